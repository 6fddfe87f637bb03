// Softmax attention: grouped-query reshaping vs explicit repeat_kv, and the KV cache path vs
// one causal pass.
#include <gtest/gtest.h>

#include "subq/nn/attention_softmax.h"
#include "subq/util/compat.h"
#include "subq/util/error.h"

using namespace subq::nn;

TEST(SoftmaxAttention, GroupedQueryEqualsRepeatedKvReference) {
  torch::manual_seed(0);
  auto q = torch::randn({2, 6, 9, 8}), k = torch::randn({2, 2, 9, 8}), v = torch::randn({2, 2, 9, 8});
  auto reference = subq::compat::scaled_dot_product_attention(q, repeat_kv(k, 3), repeat_kv(v, 3),
                                                              c10::nullopt, /*causal=*/true);
  EXPECT_TRUE(torch::allclose(causal_gqa_attention(q, k, v), reference, 1e-5, 1e-6));
}

TEST(SoftmaxAttention, CacheInChunksEqualsOneCausalPass) {
  torch::manual_seed(1);
  AttentionShape shape{4, 2, 8};
  auto attention = make_lm_attention(AttentionConfig{}, shape);
  auto q = torch::randn({2, 4, 300, 8}), k = torch::randn({2, 2, 300, 8}), v = torch::randn({2, 2, 300, 8});
  auto full = attention->forward(q, k, v, nullptr);
  auto state = attention->make_state(2, torch::kCPU);
  std::vector<torch::Tensor> parts;
  // Uneven chunks, single steps, and growth past the initial capacity of 256.
  for (auto [start, len] : std::vector<std::pair<int64_t, int64_t>>{{0, 7}, {7, 1}, {8, 250}, {258, 1}, {259, 41}}) {
    parts.push_back(attention->forward(q.narrow(2, start, len), k.narrow(2, start, len),
                                       v.narrow(2, start, len), state.get()));
  }
  EXPECT_EQ(state->position(), 300);
  EXPECT_TRUE(torch::allclose(torch::cat(parts, 2), full, 1e-5, 1e-6));
  auto* cache = dynamic_cast<KvCache*>(state.get());
  ASSERT_NE(cache, nullptr);
  EXPECT_GE(cache->capacity(), 300);
  EXPECT_TRUE(torch::equal(cache->keys(), k));
}

TEST(SoftmaxAttention, FactoryRejectsUnknownKind) {
  AttentionConfig config;
  config.kind = "nonsense";
  EXPECT_THROW(make_lm_attention(config, {2, 2, 4}), subq::Error);
}
