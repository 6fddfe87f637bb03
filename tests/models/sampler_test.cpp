// Sampler: greedy, top-k, top-p truncation, temperature, reproducibility by seed.
#include <gtest/gtest.h>

#include "subq/models/llama/sampler.h"
#include "subq/util/error.h"

using namespace subq::models;

namespace {
SamplerConfig config(double temperature, int64_t top_k, double top_p, uint64_t seed = 0) {
  SamplerConfig c;
  c.temperature = temperature;
  c.top_k = top_k;
  c.top_p = top_p;
  c.seed = seed;
  return c;
}
}  // namespace

TEST(Sampler, GreedyAndTopOneTakeTheArgmax) {
  auto logits = torch::tensor({0.1f, 2.0f, -1.0f, 1.9f});
  SamplerConfig greedy;
  greedy.greedy = true;
  EXPECT_EQ(Sampler(greedy).sample(logits), 1);
  Sampler top1(config(5.0, 1, 1.0, 42));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(top1.sample(logits), 1);
  EXPECT_EQ(Sampler(config(0.0, 0, 1.0)).sample(logits), 1);  // temperature 0 = greedy
}

TEST(Sampler, TopKAndTopPKeepTheRightMass) {
  // softmax of log(0.5, 0.3, 0.15, 0.05) is exactly those probabilities.
  auto logits = torch::log(torch::tensor({0.3, 0.5, 0.05, 0.15}));
  auto p = Sampler(config(1.0, 2, 1.0)).probabilities(logits);
  EXPECT_NEAR(p[1].item<double>(), 0.625, 1e-6);
  EXPECT_NEAR(p[0].item<double>(), 0.375, 1e-6);
  EXPECT_EQ(p[2].item<double>(), 0.0);
  // top-p 0.85: 0.5 + 0.3 = 0.8 < 0.85, so the 0.15 token is needed too.
  p = Sampler(config(1.0, 0, 0.85)).probabilities(logits);
  EXPECT_NEAR(p[3].item<double>(), 0.15 / 0.95, 1e-6);
  EXPECT_EQ(p[2].item<double>(), 0.0);
  // Temperature 2 flattens: probabilities proportional to sqrt(p).
  p = Sampler(config(2.0, 0, 1.0)).probabilities(logits);
  EXPECT_NEAR(p[1].item<double>() / p[0].item<double>(), std::sqrt(0.5 / 0.3), 1e-6);
}

TEST(Sampler, DrawsFollowTheDistributionAndRepeatWithTheSeed) {
  auto logits = torch::log(torch::tensor({0.2, 0.5, 0.3}));
  Sampler a(config(1.0, 0, 1.0, 7)), b(config(1.0, 0, 1.0, 7)), c(config(1.0, 0, 1.0, 8));
  std::vector<int> counts(3, 0);
  std::vector<int64_t> seq_a, seq_b, seq_c;
  for (int i = 0; i < 8000; ++i) {
    seq_a.push_back(a.sample(logits));
    seq_b.push_back(b.sample(logits));
    seq_c.push_back(c.sample(logits));
    ++counts[seq_a.back()];
  }
  EXPECT_EQ(seq_a, seq_b);
  EXPECT_NE(seq_a, seq_c);
  EXPECT_NEAR(counts[0] / 8000.0, 0.2, 0.025);
  EXPECT_NEAR(counts[1] / 8000.0, 0.5, 0.025);
}

TEST(Sampler, RejectsInvalidSettings) {
  EXPECT_THROW(Sampler(config(1.0, -1, 1.0)), subq::Error);
  EXPECT_THROW(Sampler(config(1.0, 0, 0.0)), subq::Error);
  EXPECT_THROW(Sampler(config(1.0, 0, 1.5)), subq::Error);
}
