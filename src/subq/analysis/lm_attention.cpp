#include "subq/analysis/lm_attention.h"

#include <cmath>
#include <limits>

#include "subq/util/error.h"

namespace subq::analysis {

LmAttention capture_lm_attention(models::LlamaModelImpl& model, const torch::Tensor& ids,
                                 std::vector<std::string> token_texts) {
  SUBQ_CHECK(ids.dim() == 1 && ids.size(0) >= 2, "LM attention needs a prompt of at least 2 tokens, got {}",
             ids.numel());
  SUBQ_CHECK(static_cast<int64_t>(token_texts.size()) == ids.size(0), "LM attention: {} token texts for {} tokens",
             token_texts.size(), ids.size(0));
  torch::NoGradGuard no_grad;
  model.eval();
  LmAttention out;
  out.tokens = std::move(token_texts);
  const int64_t L = ids.size(0);
  auto h = model.embed(ids.unsqueeze(0));
  const auto all = torch::ones({L, L}, torch::kBool).to(model.device());
  const auto future = all.triu(1);
  for (auto& block : model.layers) {
    auto& attn = block->attn;
    // A sliding window (Mistral) hides keys j <= i - W from query i, as the model does.
    const int64_t window = attn->kind->shape.sliding_window;
    const auto hidden = window > 0 ? future.logical_or(all.tril(-window)) : future;
    const auto [q, k, v] = attn->project_qkv(block->attn_norm->forward(h), 0);
    const int64_t groups = attn->n_heads / attn->n_kv_heads;
    // Query head h reads kv head h / groups (the grouping of nn::causal_gqa_attention).
    const auto keys = k.repeat_interleave(groups, 1), vals = v.repeat_interleave(groups, 1);
    auto scores = torch::matmul(q, keys.transpose(-2, -1)).mul_(1.0 / std::sqrt(double(attn->head_dim)));
    scores.masked_fill_(hidden, -std::numeric_limits<float>::infinity());
    out.weights.push_back(torch::softmax(scores, -1)[0].to(torch::kCPU, torch::kFloat));
    out.values.push_back(vals[0].to(torch::kCPU, torch::kFloat));
    h = block->forward(h, nullptr);
  }
  return out;
}

std::vector<AttentionStatistics::Layer> lm_attention_statistics(const LmAttention& attention, int bins) {
  std::vector<AttentionStatistics::Layer> layers;
  for (size_t l = 0; l < attention.weights.size(); ++l) {
    const auto& w = attention.weights[l];
    AttentionStatistics::Layer layer{fmt::format("layer.{}", l), std::vector<HeadAttentionStatistics>(w.size(0), HeadAttentionStatistics(bins))};
    for (int64_t h = 0; h < w.size(0); ++h)
      for (int64_t i = 1; i < w.size(1); ++i) layer.heads[h].add(w[h][i].narrow(0, 0, i + 1).unsqueeze(0), torch::Tensor());
    layers.push_back(std::move(layer));
  }
  return layers;
}

std::vector<std::vector<double>> first_token_attention(const LmAttention& attention) {
  std::vector<std::vector<double>> out;
  for (const auto& w : attention.weights) {
    const auto first = w.select(2, 0).narrow(1, 1, w.size(1) - 1).mean(1).to(torch::kDouble);  // (H)
    out.emplace_back(first.data_ptr<double>(), first.data_ptr<double>() + first.numel());
  }
  return out;
}

}  // namespace subq::analysis
