#include <gtest/gtest.h>

#include <cmath>

#include "subq/nn/s4d.h"

namespace {

using subq::nn::ConvPath;
using subq::nn::S4D;
using subq::nn::S4DOptions;

// A freshly initialised S4D with `channels` channels and `state` state size, after seeding.
S4D seeded_s4d(uint64_t seed, int64_t channels, int64_t state) {
  torch::manual_seed(seed);
  S4DOptions options;
  options.channels = channels;
  options.state = state;
  return S4D(options);
}

TEST(S4D, FftAndDirectConvolutionAgree) {
  torch::manual_seed(1);
  for (int64_t L : {1, 5, 64, 265, 700}) {
    auto z = torch::randn({3, 8, L});
    auto K = torch::randn({8, L}) * torch::exp(-0.01 * torch::arange(L, torch::kFloat));
    auto fft = subq::nn::causal_conv_fft(z, K), direct = subq::nn::causal_conv_direct(z, K);
    EXPECT_LT((fft - direct).abs().max().item<double>(), 1e-5 * std::max<double>(1.0, direct.abs().max().item<double>()))
        << "length " << L;
  }
}

TEST(S4D, DirectConvolutionMatchesTheDefinition) {
  torch::manual_seed(2);
  const int64_t L = 9;
  auto z = torch::randn({1, 2, L}), K = torch::randn({2, L});
  auto y = subq::nn::causal_conv_direct(z, K);
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t l = 0; l < L; ++l) {
      double expected = 0;
      for (int64_t k = 0; k <= l; ++k) expected += K[h][k].item<double>() * z[0][h][l - k].item<double>();
      EXPECT_NEAR(y[0][h][l].item<double>(), expected, 1e-5);
    }
}

TEST(S4D, LayerOutputIsTheSameOnBothPaths) {
  auto s4d = seeded_s4d(3, 16, 8);
  auto x = torch::randn({2, 300, 16});
  auto a = s4d->forward(x, ConvPath::Fft), b = s4d->forward(x, ConvPath::Direct);
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5);
}

// The real-arithmetic kernel against the complex formula K = 2 Re sum_n C'_n exp(dt A_n l)
// evaluated with complex tensors (an independent implementation).
TEST(S4D, KernelMatchesComplexFormula) {
  auto s4d = seeded_s4d(4, 4, 6);
  const int64_t L = 50;
  auto K = s4d->kernel(L).to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  auto dt = s4d->log_dt.exp().to(torch::kFloat64).unsqueeze(-1);
  auto A = torch::complex(-s4d->log_A_real.exp().to(torch::kFloat64), s4d->A_imag.to(torch::kFloat64));
  auto C = torch::complex(s4d->C.select(-1, 0).to(torch::kFloat64), s4d->C.select(-1, 1).to(torch::kFloat64));
  auto dtA = A * dt;
  auto Cp = C * (torch::exp(dtA) - 1.0) / A;
  auto l = torch::arange(L, torch::kFloat64);
  auto expected = 2.0 * torch::real((Cp.unsqueeze(-1) * torch::exp(dtA.unsqueeze(-1) * l)).sum(1));
  EXPECT_LT((K - expected).abs().max().item<double>(), 1e-5);
}

TEST(S4D, LongKernelIsEvaluatedInChunksConsistently) {
  auto s4d = seeded_s4d(5, 2, 4);
  torch::NoGradGuard no_grad;
  auto long_kernel = s4d->kernel(9000), short_kernel = s4d->kernel(100);
  EXPECT_LT((long_kernel.narrow(1, 0, 100) - short_kernel).abs().max().item<double>(), 1e-6);
}

TEST(S4D, IsCausal) {
  auto s4d = seeded_s4d(6, 8, 8);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 100, 8});
  auto y = s4d->forward(x);
  auto x2 = x.clone();
  x2.narrow(1, 60, 40).normal_();
  auto y2 = s4d->forward(x2);
  EXPECT_LT((y.narrow(1, 0, 60) - y2.narrow(1, 0, 60)).abs().max().item<double>(), 1e-5);
  EXPECT_GT((y.narrow(1, 60, 40) - y2.narrow(1, 60, 40)).abs().max().item<double>(), 1e-3);
}

TEST(S4D, InitialisationFollowsTheSpec) {
  S4D s4d(S4DOptions{});
  torch::NoGradGuard no_grad;
  EXPECT_EQ(s4d->C.sizes(), (std::vector<int64_t>{64, 32, 2}));
  EXPECT_NEAR(s4d->log_A_real.exp().mean().item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(s4d->A_imag[3][5].item<double>(), 5 * M_PI, 1e-5);
  const double lo = std::log(1e-3), hi = std::log(1e-1);
  EXPECT_GE(s4d->log_dt.min().item<double>(), lo);
  EXPECT_LE(s4d->log_dt.max().item<double>(), hi);
}

}  // namespace
