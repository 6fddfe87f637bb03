// Feature maps: exact formulas on hand-computed cases, initialisation, clamping, errors.
#include <gtest/gtest.h>

#include "subq/nn/feature_maps.h"
#include "subq/util/error.h"

namespace subq::nn {
namespace {

TEST(FeatureMap, HedgehogAtIdentityInitIsSoftmaxOfPaddedInput) {
  // d = 3 < f = 5: x W pads x with two zeros.
  HedgehogFeatureMap map(/*n_heads=*/2, /*head_dim=*/3, /*feature_dim=*/5);
  ASSERT_EQ(map.out_dim(), 10);
  const auto x = torch::tensor({0.5f, -1.0f, 2.0f}).view({1, 1, 1, 3}).repeat({1, 2, 1, 1});
  const auto phi = map.forward(x);
  ASSERT_EQ(phi.sizes(), (std::vector<int64_t>{1, 2, 1, 10}));
  const double u[5] = {0.5, -1.0, 2.0, 0.0, 0.0};
  double pos = 0, neg = 0;
  for (double ui : u) pos += std::exp(ui), neg += std::exp(-ui);
  for (int h = 0; h < 2; ++h)
    for (int j = 0; j < 5; ++j) {
      EXPECT_NEAR(phi[0][h][0][j].item<float>(), std::exp(u[j]) / pos, 1e-6);
      EXPECT_NEAR(phi[0][h][0][5 + j].item<float>(), std::exp(-u[j]) / neg, 1e-6);
    }
}

TEST(FeatureMap, HedgehogIsUntiedPerHeadAndClamped) {
  HedgehogFeatureMap map(2, 2, 2);
  {
    torch::NoGradGuard no_grad;
    map.weight[1].mul_(200.0);  // head 1 saturates: its small entries underflow to 0
  }
  const auto x = torch::tensor({1.0f, -1.0f}).view({1, 1, 1, 2}).repeat({1, 2, 1, 1});
  const auto phi = map.forward(x);
  EXPECT_GT((phi[0][0] - phi[0][1]).abs().max().item<float>(), 0.1f);  // heads differ
  EXPECT_FLOAT_EQ(phi.min().item<float>(), 1e-12f);                  // clamped, not 0
}

TEST(FeatureMap, T2RIsReluOfAffineMap) {
  T2RFeatureMap map(1, 2, 3);
  {
    torch::NoGradGuard no_grad;
    map.weight.copy_(torch::tensor({1.f, 2.f, -1.f, 0.5f, -3.f, 1.f}).view({1, 2, 3}));
    map.bias.copy_(torch::tensor({0.1f, 0.2f, -0.3f}).view({1, 1, 3}));
  }
  const auto phi = map.forward(torch::tensor({2.f, 1.f}).view({1, 1, 1, 2}));
  // x W + b = [2.5+0.1, 4-3+0.2, -2+1-0.3] = [2.6, 1.2, -1.3] -> relu
  const auto expected = torch::tensor({2.6f, 1.2f, 0.f}).view({1, 1, 1, 3});
  EXPECT_TRUE(torch::allclose(phi, expected, 1e-6, 1e-6)) << phi;
}

TEST(FeatureMap, EluPlusOne) {
  EluFeatureMap map(1, 3);
  const auto phi = map.forward(torch::tensor({-1.f, 0.f, 2.f}).view({1, 1, 1, 3}));
  const auto expected = torch::tensor({std::exp(-1.f), 1.f, 3.f}).view({1, 1, 1, 3});
  EXPECT_TRUE(torch::allclose(phi, expected, 1e-6, 1e-6)) << phi;
  EXPECT_EQ(map.parameters().size(), 0u);
}

TEST(FeatureMap, FactoryAndShapeErrors) {
  EXPECT_EQ(make_feature_map("hedgehog", 4, 8, 6)->out_dim(), 12);
  EXPECT_EQ(make_feature_map("t2r", 4, 8, 6)->out_dim(), 6);
  EXPECT_EQ(make_feature_map("elu", 4, 8, 6)->out_dim(), 8);
  EXPECT_THROW(make_feature_map("cosformer", 4, 8, 6), subq::Error);
  EXPECT_THROW(make_feature_map("hedgehog", 4, 8, 6)->forward(torch::zeros({1, 3, 2, 8})),
               subq::Error);
}

}  // namespace
}  // namespace subq::nn
