#include "subq/nn/soft_rank_linear.h"

#include <gtest/gtest.h>

#include "subq/nn/factorized_linear.h"
#include "subq/util/error.h"

using namespace subq;

namespace {
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}
}  // namespace

TEST(SoftRankLinear, ZeroThresholdReproducesTheDenseLayer) {
  torch::manual_seed(1);
  for (auto [out, in] : {std::pair<int64_t, int64_t>{24, 40}, {40, 24}, {32, 32}}) {
    nn::DenseLinear dense(in, out, /*bias=*/true);
    auto soft = nn::SoftRankLinear::from_layer(dense, 0.0);
    auto x = torch::randn({3, 5, in});
    EXPECT_LT(max_abs_diff(soft->forward(x), dense.forward(x)), 1e-5) << out << "x" << in;
    EXPECT_EQ(soft->rank(), std::min(out, in));
    EXPECT_LT(max_abs_diff(soft->effective_weight(), dense.weight), 1e-5);
  }
}

TEST(SoftRankLinear, ThresholdRemovesSmallSingularValuesAndShiftsTheRest) {
  // W = diag(4, 3, 2, 1) in a 4x4 basis: tau = 0.6 * 4 = 2.4 keeps 4 and 3 as 1.6 and 0.6.
  auto w = torch::diag(torch::tensor({4.0f, 3.0f, 2.0f, 1.0f}));
  nn::SoftRankLinear soft(w, c10::nullopt, 0.6);
  EXPECT_NEAR(soft.threshold().item<double>(), 2.4, 1e-5);
  EXPECT_EQ(soft.rank(), 2);
  auto expected = torch::diag(torch::tensor({1.6f, 0.6f, 0.0f, 0.0f}));
  EXPECT_LT(max_abs_diff(soft.effective_weight(), expected), 1e-5);
  auto x = torch::randn({7, 4});
  EXPECT_LT(max_abs_diff(soft.forward(x), torch::matmul(x, expected.t())), 1e-5);
  // Smooth rank: sigmoid((s - 2.4) / (4 T)); at tiny T it approaches the hard rank.
  EXPECT_NEAR(soft.smooth_rank(1e-4).item<double>(), 2.0, 1e-6);
  auto s = torch::tensor({4.0, 3.0, 2.0, 1.0});
  EXPECT_NEAR(soft.smooth_rank(0.1).item<double>(),
              torch::sigmoid((s - 2.4) / 0.4).sum().item<double>(), 1e-5);
  EXPECT_NEAR(soft.smooth_parameters(0.1).item<double>(), 8 * soft.smooth_rank(0.1).item<double>(),
              1e-4);
}

TEST(SoftRankLinear, GradientsReachFactorsAndThreshold) {
  torch::manual_seed(2);
  nn::SoftRankLinear soft(torch::randn({6, 5}), torch::randn({6}), 0.2);
  (soft.forward(torch::randn({4, 5})).pow(2).sum() + soft.smooth_rank(0.1)).backward();
  for (const auto& p : soft.named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

TEST(SoftRankLinear, RankNeverBelowOneEvenAtMaximalThreshold) {
  torch::manual_seed(3);
  nn::SoftRankLinear soft(torch::randn({8, 8}), c10::nullopt, 0.5);
  torch::NoGradGuard no_grad;
  soft.t.fill_(1e6);  // far past the clamp: tau stays just below max(s)
  EXPECT_EQ(soft.rank(), 1);
  EXPECT_GT(soft.kept_singular_values().max().item<double>(), 0.0);
}

TEST(SoftRankLinear, DegenerateWeightsDoNotCrash) {
  // All-zero weight: every singular value is 0, nothing survives, rank reports 1.
  nn::SoftRankLinear zero(torch::zeros({5, 7}), c10::nullopt, 0.1);
  auto x = torch::randn({3, 7});
  auto y = zero.forward(x);
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  EXPECT_EQ(y.abs().max().item<double>(), 0.0);
  EXPECT_EQ(zero.rank(), 1);
  auto smooth = zero.smooth_rank(0.05);
  EXPECT_TRUE(torch::isfinite(smooth).item<bool>());
  smooth.backward();
  EXPECT_TRUE(torch::isfinite(zero.t.grad()).item<bool>());

  // Rank-1 weight: exactly one singular value survives any positive threshold.
  auto u = torch::randn({6, 1}), v = torch::randn({1, 9});
  auto w = torch::matmul(u, v);
  nn::SoftRankLinear rank1(w, c10::nullopt, 0.01);
  EXPECT_EQ(rank1.rank(), 1);
  EXPECT_LT(max_abs_diff(rank1.effective_weight(), 0.99 * w), 1e-4);
}

TEST(SoftRankLinear, RejectsNonFiniteWeightsAndBadThresholds) {
  auto w = torch::randn({3, 3});
  w[1][1] = std::nanf("");
  EXPECT_THROW(nn::SoftRankLinear(w, c10::nullopt, 0.0), Error);
  EXPECT_THROW(nn::SoftRankLinear(torch::randn({3, 3}), c10::nullopt, 1.0), Error);
  EXPECT_THROW(nn::SoftRankLinear(torch::randn({3, 3}), c10::nullopt, -0.1), Error);
}

TEST(FactorizedLinear, ComputesTheProductOfItsFactors) {
  torch::manual_seed(4);
  auto down = torch::randn({3, 10}), up = torch::randn({7, 3}), bias = torch::randn({7});
  nn::FactorizedLinear f(down, up, bias);
  auto x = torch::randn({4, 10});
  EXPECT_LT(max_abs_diff(f.forward(x), torch::matmul(x, torch::matmul(up, down).t()) + bias), 1e-5);
  EXPECT_EQ(f.rank(), 3);
  EXPECT_EQ(f.stored_parameters(), 3 * 10 + 7 * 3 + 7);
  EXPECT_THROW(nn::FactorizedLinear(torch::randn({3, 10}), torch::randn({7, 4}), c10::nullopt),
               Error);
}

TEST(FactorizedLinear, StaysDenseFromTheBreakEvenRank) {
  // 12 x 12: break-even rank 6 (6 * 24 = 144 = 12 * 12).
  EXPECT_EQ(nn::break_even_rank(12, 12), 6);
  EXPECT_EQ(nn::break_even_rank(768, 768), 384);
  auto low = nn::make_low_rank_linear(torch::randn({5, 12}), torch::randn({12, 5}), c10::nullopt);
  EXPECT_NE(std::dynamic_pointer_cast<nn::FactorizedLinear>(low), nullptr);
  auto down = torch::randn({6, 12}), up = torch::randn({12, 6});
  auto dense = nn::make_low_rank_linear(down, up, c10::nullopt);
  ASSERT_NE(std::dynamic_pointer_cast<nn::DenseLinear>(dense), nullptr);
  EXPECT_LT(max_abs_diff(dense->effective_weight(), torch::matmul(up, down)), 1e-5);
}

TEST(SoftRankLinear, CompensatedShrinkageComputesTheHardTruncation) {
  auto w = torch::diag(torch::tensor({4.0f, 3.0f, 2.0f, 1.0f}));
  nn::SoftRankLinear soft(w, c10::nullopt, 0.6);  // tau = 2.4
  soft.compensate_shrinkage();
  EXPECT_EQ(soft.rank(), 2);
  auto expected = torch::diag(torch::tensor({4.0f, 3.0f, 0.0f, 0.0f}));
  EXPECT_LT(max_abs_diff(soft.effective_weight(), expected), 1e-5);
}
