#include "subq/models/bert/bert_model.h"

#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "subq/io/hf_checkpoint.h"
#include "subq/models/checked_copy.h"
#include "subq/nn/gelu.h"
#include "subq/nn/mlp.h"
#include "subq/util/error.h"

namespace subq::models {

namespace {

std::shared_ptr<nn::LinearLayer> linear(torch::nn::Module& owner, const std::string& name, int64_t in, int64_t out) {
  return nn::register_linear(owner, name, std::make_shared<nn::DenseLinear>(in, out, /*bias=*/true));
}

}  // namespace

BertLayerImpl::BertLayerImpl(const BertConfig& c)
    : n_heads_(c.n_heads), head_dim_(c.head_dim()), activation_(c.activation) {
  q_proj = linear(*this, "q_proj", c.dim, c.dim);
  k_proj = linear(*this, "k_proj", c.dim, c.dim);
  v_proj = linear(*this, "v_proj", c.dim, c.dim);
  o_proj = linear(*this, "o_proj", c.dim, c.dim);
  attn_norm = register_module("attn_norm", std::make_shared<nn::LayerNormImpl>(c.dim, c.norm_eps));
  up_proj = linear(*this, "up_proj", c.dim, c.hidden_dim);
  down_proj = linear(*this, "down_proj", c.hidden_dim, c.dim);
  mlp_norm = register_module("mlp_norm", std::make_shared<nn::LayerNormImpl>(c.dim, c.norm_eps));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias) {
  const auto B = x.size(0), L = x.size(1);
  auto heads = [&](const torch::Tensor& t) { return t.view({B, L, n_heads_, head_dim_}).transpose(1, 2); };
  const auto q = heads(q_proj->forward(x)), k = heads(k_proj->forward(x)), v = heads(v_proj->forward(x));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim_));
  if (key_bias.defined()) scores = scores + key_bias;
  const auto mixed = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({B, L, -1});
  const auto h = attn_norm->forward(x + o_proj->forward(mixed));
  const auto up = up_proj->forward(h);
  const auto act = activation_ == "gelu" ? nn::layout_safe_gelu(up) : nn::gelu_tanh(up);
  return mlp_norm->forward(h + down_proj->forward(act));
}

void BertLayerImpl::for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
  visit({this, "q_proj", prefix + ".q_proj", &q_proj});
  visit({this, "k_proj", prefix + ".k_proj", &k_proj});
  visit({this, "v_proj", prefix + ".v_proj", &v_proj});
  visit({this, "o_proj", prefix + ".o_proj", &o_proj});
  visit({this, "up_proj", prefix + ".up_proj", &up_proj});
  visit({this, "down_proj", prefix + ".down_proj", &down_proj});
}

BertModelImpl::BertModelImpl(BertConfig config) : config_(std::move(config)) {
  config_.validate("BERT config");
  word = register_module("word", torch::nn::Embedding(config_.vocab_size, config_.dim));
  position = register_module("position", torch::nn::Embedding(config_.max_positions, config_.dim));
  token_type = register_module("token_type", torch::nn::Embedding(config_.type_vocab_size, config_.dim));
  embed_norm = register_module("embed_norm", std::make_shared<nn::LayerNormImpl>(config_.dim, config_.norm_eps));
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.n_layers; ++i) {
    layers.emplace_back(config_);
    list->push_back(layers.back());
  }
  pooler = linear(*this, "pooler", config_.dim, config_.dim);
}

torch::Tensor BertModelImpl::forward(const torch::Tensor& ids, const torch::Tensor& token_types,
                                     const torch::Tensor& mask) {
  SUBQ_CHECK(ids.dim() == 2, "BERT forward needs ids of shape (batch, length), got [{}]", fmt::join(ids.sizes(), ", "));
  const auto L = ids.size(1);
  SUBQ_CHECK(L <= config_.max_positions, "{} tokens exceed BERT's {} positions", L, config_.max_positions);
  const auto device = word->weight.device();
  const auto types = token_types.defined() ? token_types.to(device, torch::kLong) : torch::zeros_like(ids).to(device);
  auto h = word->forward(ids.to(device, torch::kLong)) +
           position->forward(torch::arange(L, torch::dtype(torch::kLong).device(device))) + token_type->forward(types);
  h = embed_norm->forward(h);
  torch::Tensor key_bias;
  if (mask.defined()) {
    const auto pad = mask.to(device).eq(0).view({ids.size(0), 1, 1, L});
    key_bias = torch::zeros(pad.sizes(), h.options()).masked_fill(pad, -std::numeric_limits<float>::infinity());
  }
  for (auto& layer : layers) h = layer->forward(h, key_bias);
  return h;
}

torch::Tensor BertModelImpl::pool(const torch::Tensor& hidden) {
  SUBQ_CHECK(has_pooler, "this BERT checkpoint has no pooler weights");
  return torch::tanh(pooler->forward(hidden.select(1, 0)));
}

void BertModelImpl::for_each_linear(const nn::LinearVisitor& visit) {
  for (size_t i = 0; i < layers.size(); ++i) layers[i]->for_each_linear("layers." + std::to_string(i), visit);
}

namespace {

// Hugging Face BERT tensor names (after the optional "bert." prefix) -> our parameter names.
std::vector<std::pair<std::string, std::string>> bert_tensor_names(const BertConfig& c, bool pooler) {
  std::vector<std::pair<std::string, std::string>> names = {
      {"embeddings.word_embeddings.weight", "word.weight"},
      {"embeddings.position_embeddings.weight", "position.weight"},
      {"embeddings.token_type_embeddings.weight", "token_type.weight"},
      {"embeddings.LayerNorm.weight", "embed_norm.weight"},
      {"embeddings.LayerNorm.bias", "embed_norm.bias"}};
  if (pooler) {
    names.emplace_back("pooler.dense.weight", "pooler.weight");
    names.emplace_back("pooler.dense.bias", "pooler.bias");
  }
  static const std::pair<const char*, const char*> per_layer[] = {
      {"attention.self.query", "q_proj"},         {"attention.self.key", "k_proj"},
      {"attention.self.value", "v_proj"},         {"attention.output.dense", "o_proj"},
      {"attention.output.LayerNorm", "attn_norm"}, {"intermediate.dense", "up_proj"},
      {"output.dense", "down_proj"},              {"output.LayerNorm", "mlp_norm"}};
  for (int64_t i = 0; i < c.n_layers; ++i)
    for (const auto& [hf, ours] : per_layer)
      for (const char* p : {".weight", ".bias"})
        names.emplace_back("encoder.layer." + std::to_string(i) + "." + hf + p,
                           "layers." + std::to_string(i) + "." + ours + p);
  return names;
}

}  // namespace

bool is_bert_directory(const std::filesystem::path& dir) { return io::hf_model_type(dir) == "bert"; }

BertModel load_bert(const std::filesystem::path& dir) {
  const auto checkpoint = io::load_hf_checkpoint(dir);
  BertModel model(BertConfig::from_hf_json(checkpoint.config, (dir / "config.json").string()));
  // A tensor may carry the "bert." prefix (BertFor* checkpoints) or not (a bare BertModel).
  auto source = [&](const std::string& name) {
    for (const auto& key : {name, "bert." + name}) {
      const auto it = checkpoint.tensors.find(key);
      if (it != checkpoint.tensors.end()) return it->second;
    }
    return torch::Tensor();
  };
  // Sentence-transformers exports often drop the pooler; the hidden states do not need it.
  model->has_pooler = source("pooler.dense.weight").defined() && source("pooler.dense.bias").defined();
  load_named_parameters(*model, bert_tensor_names(model->config(), model->has_pooler), source, dir.string());
  model->eval();
  return model;
}

}  // namespace subq::models
