#include "subq/models/llama/llama_model.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::models {

LlamaModelImpl::LlamaModelImpl(LlamaConfig config) : config_(std::move(config)) {
  config_.default_attention();
  config_.validate("Llama config");
  embedding = register_module("tok_embeddings",
                              torch::nn::Embedding(config_.vocab_size, config_.dim));
  if (config_.positions == "learned")
    positions = register_module("pos_embeddings", torch::nn::Embedding(config_.max_seq_len, config_.dim));
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.n_layers; ++i) {
    layers.emplace_back(config_, config_.attention[i]);
    list->push_back(layers.back());
  }
  norm = register_module("norm", nn::make_norm(config_.norm, config_.dim, config_.norm_eps));
  if (!config_.tied_output)
    output = nn::register_linear(*this, "output",
                                 std::make_shared<nn::DenseLinear>(config_.dim, config_.vocab_size));
}

torch::Tensor LlamaModelImpl::embed(const torch::Tensor& tokens, int64_t start) {
  auto h = embedding->forward(tokens.to(device(), torch::kLong));
  if (!positions) return h;
  const int64_t end = start + tokens.size(1);
  SUBQ_CHECK(end <= config_.max_seq_len, "{} positions exceed the model's {} learned positions", end,
             config_.max_seq_len);
  return h + positions->forward(torch::arange(start, end, torch::dtype(torch::kLong).device(device())));
}

torch::Tensor LlamaModelImpl::hidden_states(const torch::Tensor& tokens, LlamaMemory* memory) {
  SUBQ_CHECK(tokens.dim() == 2, "Llama forward needs token ids of shape (batch, length), got [{}]",
             fmt::join(tokens.sizes(), ", "));
  if (memory) {
    SUBQ_CHECK(memory->batch() == tokens.size(0) && memory->n_layers() == config_.n_layers,
               "memory for {} sequences x {} layers used with {} sequences x {} layers",
               memory->batch(), memory->n_layers(), tokens.size(0), config_.n_layers);
  }
  auto h = embed(tokens, memory ? memory->position() : 0);
  for (int64_t i = 0; i < config_.n_layers; ++i)
    h = layers[i]->forward(h, memory ? memory->layer(i) : nullptr);
  return norm->forward(h);
}

torch::Tensor LlamaModelImpl::logits(const torch::Tensor& hidden) {
  if (output) return output->forward(hidden);
  return torch::nn::functional::linear(hidden, embedding->weight);
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& tokens) {
  return logits(hidden_states(tokens, nullptr));
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& tokens, LlamaMemory& memory,
                                      bool last_only) {
  auto h = hidden_states(tokens, &memory);
  if (last_only) h = h.select(1, h.size(1) - 1);
  return logits(h);
}

torch::Tensor LlamaModelImpl::prefill(const torch::Tensor& tokens, LlamaMemory& memory,
                                      int64_t chunk) {
  SUBQ_CHECK(tokens.dim() == 2 && tokens.size(1) > 0, "prefill needs a non-empty (batch, length) prompt");
  torch::Tensor last;
  for (int64_t start = 0; start < tokens.size(1); start += chunk) {
    const auto n = std::min(chunk, tokens.size(1) - start);
    last = forward(tokens.narrow(1, start, n), memory, /*last_only=*/true);
  }
  return last;
}

torch::Tensor LlamaModelImpl::decode(const torch::Tensor& tokens, LlamaMemory& memory) {
  return forward(tokens.reshape({-1, 1}), memory, /*last_only=*/true);
}

LlamaMemory LlamaModelImpl::new_memory(int64_t batch) const {
  std::vector<std::unique_ptr<nn::AttentionState>> states;
  for (const auto& layer : layers) states.push_back(layer->attn->kind->make_state(batch, device()));
  return LlamaMemory(batch, std::move(states));
}

void LlamaModelImpl::for_each_linear(const nn::LinearVisitor& visit) {
  for (int64_t i = 0; i < config_.n_layers; ++i)
    layers[i]->for_each_linear("layers." + std::to_string(i), visit);
  if (output) visit({this, "output", "output", &output});
}

int64_t LlamaModelImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace subq::models
