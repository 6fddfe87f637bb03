#include <gtest/gtest.h>

#include <cmath>

#include "subq/nn/pgc.h"
#include "subq/nn/rmsnorm_lyra.h"

namespace {

TEST(LyraRMSNorm, GoldenValues) {
  subq::nn::LyraRMSNorm norm(2);
  auto y = norm(torch::tensor({{3.0f, 4.0f}}));
  // ||x|| = 5, rms = 5 / sqrt(2); y = x / rms.
  EXPECT_NEAR(y[0][0].item<double>(), 3.0 * std::sqrt(2.0) / 5.0, 1e-6);
  EXPECT_NEAR(y[0][1].item<double>(), 4.0 * std::sqrt(2.0) / 5.0, 1e-6);
  // The epsilon sits outside the root: a zero vector stays zero.
  EXPECT_EQ(norm(torch::zeros({1, 2})).abs().sum().item<double>(), 0.0);
}

// Rebuilds the PGC forward from its parameters with explicit shifts instead of conv1d.
torch::Tensor manual_pgc(subq::nn::ProjectedGatedConvImpl& pgc, const torch::Tensor& u) {
  auto rms = [](const torch::Tensor& x, const torch::Tensor& scale) {
    return scale * x / (x.pow(2).mean(-1, true).sqrt() + 1e-8);
  };
  const auto w_in = pgc.in_proj->effective_weight(), b_in = *pgc.in_proj->effective_bias();
  auto xv = rms(torch::matmul(u, w_in.t()) + b_in, pgc.in_norm->scale);
  const int64_t E = pgc.expanded, L = u.size(1);
  auto x = xv.narrow(-1, 0, E), v = xv.narrow(-1, E, E);
  auto w = pgc.conv->weight.squeeze(1);  // (E, 3)
  auto padded = torch::constant_pad_nd(x, {0, 0, 1, 1});
  auto conv = pgc.conv->bias + padded.narrow(1, 0, L) * w.select(1, 0) + padded.narrow(1, 1, L) * w.select(1, 1) +
              padded.narrow(1, 2, L) * w.select(1, 2);
  const auto w_out = pgc.out_proj->effective_weight(), b_out = *pgc.out_proj->effective_bias();
  return rms(torch::matmul(v * conv, w_out.t()) + b_out, pgc.out_norm->scale);
}

TEST(ProjectedGatedConv, MatchesTheFormula) {
  torch::manual_seed(7);
  subq::nn::ProjectedGatedConv pgc(12, 0.5);
  EXPECT_EQ(pgc->expanded, 6);
  torch::NoGradGuard no_grad;
  auto u = torch::randn({2, 10, 12});
  EXPECT_LT((pgc(u) - manual_pgc(*pgc, u)).abs().max().item<double>(), 1e-5);
}

TEST(ProjectedGatedConv, MixesOnlyNeighbouringPositions) {
  torch::manual_seed(8);
  subq::nn::ProjectedGatedConv pgc(8, 2.0);
  torch::NoGradGuard no_grad;
  auto u = torch::randn({1, 20, 8});
  auto u2 = u.clone();
  u2[0][10].normal_();
  auto diff = (pgc(u) - pgc(u2)).abs().sum(-1)[0];
  for (int64_t l = 0; l < 20; ++l) {
    if (l >= 9 && l <= 11) EXPECT_GT(diff[l].item<double>(), 1e-4) << l;
    else EXPECT_EQ(diff[l].item<double>(), 0.0) << l;
  }
}

}  // namespace
