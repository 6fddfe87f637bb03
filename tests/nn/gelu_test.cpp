// GELU gradients must be right whatever the memory layout of the incoming gradient (LibTorch
// 1.13's own GELU backward is not: see src/subq/nn/gelu.h), and S4D, which transposes GELU's
// output, must get the same gradients in float32 as in float64.
#include <gtest/gtest.h>

#include "subq/nn/gelu.h"
#include "subq/nn/s4d.h"

namespace subq::nn {
namespace {

// Gradient of sum(g * gelu(x)) with respect to x, in the given precision.
torch::Tensor gelu_grad(const torch::Tensor& x, const torch::Tensor& g, torch::ScalarType type) {
  auto leaf = x.to(type).detach().requires_grad_(true);
  return torch::autograd::grad({layout_safe_gelu(leaf)}, {leaf}, {g.to(type)})[0].to(torch::kFloat64);
}

TEST(Gelu, GradientIsRightForEveryLayoutPair) {
  torch::manual_seed(3);
  for (bool input_transposed : {false, true}) {
    for (bool grad_transposed : {false, true}) {
      const auto x = input_transposed ? torch::randn({4, 24, 32}).transpose(1, 2) : torch::randn({4, 32, 24});
      const auto g = grad_transposed ? torch::randn({4, 24, 32}).transpose(1, 2) : torch::randn({4, 32, 24});
      for (int rep = 0; rep < 3; ++rep) {
        const double err = (gelu_grad(x, g, torch::kFloat32) - gelu_grad(x, g, torch::kFloat64)).abs().max().item<double>();
        EXPECT_LT(err, 1e-5) << "input transposed " << input_transposed << ", gradient transposed " << grad_transposed;
      }
    }
  }
}

TEST(Gelu, ForwardEqualsTorchGelu) {
  const auto x = torch::linspace(-6, 6, 1001);
  EXPECT_TRUE(torch::equal(layout_safe_gelu(x), torch::gelu(x)));
  EXPECT_TRUE(torch::equal(layout_safe_gelu(x.requires_grad_(true)).detach(), torch::gelu(x).detach()));
}

TEST(Gelu, S4DInputGradientMatchesFloat64) {
  torch::manual_seed(0);
  S4DOptions options;
  options.channels = 32;
  S4D s4d(options);
  const auto x = torch::randn({4, 24, 32});
  auto grad_in = [&](torch::ScalarType type) {
    s4d->to(type);
    auto leaf = x.to(type).requires_grad_(true);
    return torch::autograd::grad({s4d(leaf).pow(2).sum()}, {leaf})[0].to(torch::kFloat64);
  };
  const auto want = grad_in(torch::kFloat64);
  for (int rep = 0; rep < 3; ++rep) {
    const auto got = grad_in(torch::kFloat32);
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-3 * want.abs().max().item<double>());
  }
}

}  // namespace
}  // namespace subq::nn
