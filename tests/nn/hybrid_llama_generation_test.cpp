// A Llama model whose layers use hybrid attention (built through nn::make_lm_attention from the
// per-layer AttentionConfig) generates the same greedy tokens whether the prompt is prefilled
// in one call or fed token by token, and its memory does not grow while decoding.
#include <gtest/gtest.h>

#include <set>

#include "models/tiny_llama.h"
#include "subq/nn/attention_hybrid.h"
#include "subq/util/error.h"

namespace subq::nn {
namespace {

models::LlamaModel hybrid_llama(const std::string& window_kind) {
  auto config = test::tiny_llama_config(/*tied=*/true);
  for (auto& layer : config.attention) {
    layer.kind = "hybrid";
    layer.window_kind = window_kind;
    layer.window = 8;  // short, so a 60-token prompt reaches well into the linear state
    layer.feature_dim = 4;
  }
  return test::random_llama(config, /*seed=*/5);
}

std::vector<int64_t> greedy(models::LlamaModelImpl& model, const torch::Tensor& prompt,
                            bool prefill_at_once, int64_t n_new) {
  auto memory = model.new_memory(1);
  torch::Tensor logits;
  if (prefill_at_once) {
    logits = model.prefill(prompt, memory, /*chunk=*/prompt.size(1));
  } else {
    for (int64_t i = 0; i < prompt.size(1); ++i) logits = model.decode(prompt.select(1, i), memory);
  }
  std::vector<int64_t> tokens;
  for (int64_t n = 0; n < n_new; ++n) {
    tokens.push_back(logits.argmax(-1).item<int64_t>());
    logits = model.decode(torch::tensor({tokens.back()}), memory);
  }
  return tokens;
}

TEST(HybridLlama, FactoryBuildsHybridLayersWithTheirOwnParameters) {
  auto model = hybrid_llama("sw");
  int64_t gates = 0;
  for (const auto& p : model->named_parameters())
    if (p.key().find("gate_logit") != std::string::npos) ++gates;
  EXPECT_EQ(gates, 2);  // one per layer
  AttentionConfig unknown;
  unknown.kind = "mamba";
  EXPECT_THROW(make_lm_attention(unknown, {4, 2, 8}), subq::Error);
}

TEST(HybridLlama, PrefillAtOnceAndTokenByTokenGenerateTheSameTokens) {
  auto model = hybrid_llama("sw");
  torch::NoGradGuard no_grad;
  torch::manual_seed(6);
  const auto prompt = torch::randint(61, {1, 60});
  const auto at_once = greedy(*model, prompt, true, 20);
  EXPECT_EQ(at_once, greedy(*model, prompt, false, 20));
  EXPECT_GT(std::set<int64_t>(at_once.begin(), at_once.end()).size(), 1u);
}

TEST(HybridLlama, MemoryDoesNotGrowWhileDecoding) {
  auto model = hybrid_llama("tk");
  torch::NoGradGuard no_grad;
  auto memory = model->new_memory(1);
  model->prefill(torch::randint(61, {1, 20}), memory);
  for (int64_t i = 0; i < 10; ++i) model->decode(torch::tensor({int64_t{i % 61}}), memory);
  const auto bytes_after_10 = memory.bytes();
  for (int64_t i = 0; i < 490; ++i) model->decode(torch::tensor({int64_t{i % 61}}), memory);
  EXPECT_EQ(memory.position(), 520);
  EXPECT_EQ(memory.bytes(), bytes_after_10);
}

}  // namespace
}  // namespace subq::nn
