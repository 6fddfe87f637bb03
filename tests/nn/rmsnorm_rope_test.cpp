// RMSNorm and RoPE against direct formulas, and the two RoPE pairings against each other.
#include <gtest/gtest.h>

#include <cmath>

#include "subq/nn/rmsnorm.h"
#include "subq/nn/rope.h"

using namespace subq::nn;

TEST(RMSNorm, MatchesFormulaInDoublePrecision) {
  torch::manual_seed(0);
  RMSNorm norm(8, 1e-5);
  torch::NoGradGuard g;
  norm->weight.uniform_(0.5, 1.5);
  auto x = torch::randn({3, 5, 8});
  auto x64 = x.to(torch::kFloat64);
  auto expected = x64 / (x64.pow(2).mean(-1, true) + 1e-5).sqrt() * norm->weight.to(torch::kFloat64);
  EXPECT_TRUE(torch::allclose(norm(x).to(torch::kFloat64), expected, 1e-6, 1e-6));
}

TEST(Rope, PositionZeroIsIdentityAndPositionOneRotatesFirstPairByOneRadian) {
  RotaryEmbedding rope(4, 10000.0, RopeStyle::Interleaved);
  auto x = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({1, 1, 1, 4}).repeat({1, 1, 2, 1});
  auto y = rope(x, 0);
  EXPECT_TRUE(torch::allclose(y[0][0][0], x[0][0][0]));
  // Pair 0 has frequency theta^0 = 1, pair 1 frequency 10000^(-1/2) = 0.01.
  auto p1 = y[0][0][1];
  EXPECT_NEAR(p1[0].item<float>(), std::cos(1.0), 1e-6);
  EXPECT_NEAR(p1[1].item<float>(), std::sin(1.0), 1e-6);
  EXPECT_NEAR(p1[2].item<float>(), -std::sin(0.01), 1e-6);
  EXPECT_NEAR(p1[3].item<float>(), std::cos(0.01), 1e-6);
}

TEST(Rope, HalfPairingEqualsInterleavedPairingOnPermutedVectors) {
  torch::manual_seed(1);
  const int64_t d = 8;
  RotaryEmbedding half(d, 500.0, RopeStyle::Half), inter(d, 500.0, RopeStyle::Interleaved);
  auto x_half = torch::randn({2, 3, 7, d});
  // interleaved index 2i <- half index i, 2i+1 <- half index i + d/2
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < d / 2; ++i) {
    perm.push_back(i);
    perm.push_back(i + d / 2);
  }
  auto idx = torch::tensor(perm);
  auto x_inter = x_half.index_select(-1, idx);
  auto y_half = half(x_half, 5), y_inter = inter(x_inter, 5);
  EXPECT_TRUE(torch::allclose(y_half.index_select(-1, idx), y_inter, 1e-5, 1e-6));
}

TEST(Rope, DotProductDependsOnlyOnRelativePosition) {
  torch::manual_seed(2);
  RotaryEmbedding rope(16, 10000.0, RopeStyle::Interleaved);
  auto q = torch::randn({1, 1, 1, 16}), k = torch::randn({1, 1, 1, 16});
  auto dot = [&](int64_t m, int64_t n) { return (rope(q, m) * rope(k, n)).sum().item<double>(); };
  EXPECT_NEAR(dot(3, 1), dot(103, 101), 1e-4);
  EXPECT_NEAR(dot(0, 0), (q * k).sum().item<double>(), 1e-5);
  EXPECT_GT(std::abs(dot(3, 1) - dot(3, 2)), 1e-4);  // and it does depend on it
}

TEST(Rope, TableGrowsAcrossCalls) {
  RotaryEmbedding rope(4, 10000.0, RopeStyle::Interleaved);
  auto x = torch::ones({1, 1, 1, 4});
  auto early = rope(x, 3);
  rope(x, 5000);  // forces the table to grow
  EXPECT_TRUE(torch::equal(rope(x, 3), early));
}
