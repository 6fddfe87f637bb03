// ParT's pair features (kernels/pair_features): hand-computed values, invariants on real jets,
// and the CPU loop against the device-generic tensor form (what a CUDA ParT runs).
#include <gtest/gtest.h>

#include <cmath>

#include "subq/data/jet_dataset.h"
#include "subq/kernels/pair_features.h"
#include "support/test_support.h"

namespace subq::kernels {
namespace {

using data::JetLoadOptions;
using data::load_jets;

// Two particles: (px, py, pz, E) = (30, 40, 0, 50) and (0, 20, 21, 29) + padding.
data::JetDataset two_particle_jet() {
  auto v = torch::zeros({1, 4, 3});
  const float a[4] = {30, 40, 0, 50}, b[4] = {0, 20, 21, 29};
  for (int c = 0; c < 4; ++c) v[0][c][0] = a[c], v[0][c][1] = b[c];
  auto mask = torch::tensor({{true, true, false}});
  return data::make_jet_dataset(v, mask, torch::tensor({int64_t{1}}), data::default_class_names(2), "synthetic", 3);
}

TEST(PairFeatures, MatchHandComputation) {
  const auto jets = two_particle_jet();
  const auto dense = pair_features_dense(jets.four_vectors);  // (1, 4, 3, 3)
  const double pt1 = 50, pt2 = 20;
  const double y1 = 0.5 * std::log(50.0 / 50.0), y2 = 0.5 * std::log((29.0 + 21) / (29.0 - 21));
  const double dphi = std::atan2(40.0, 30.0) - std::atan2(20.0, 0.0);
  const double delta = std::sqrt((y1 - y2) * (y1 - y2) + dphi * dphi);
  const double m2 = 79.0 * 79 - (30.0 * 30 + 60.0 * 60 + 21.0 * 21);
  const double expected[4] = {std::log(pt2 * delta), std::log(pt2 / (pt1 + pt2)), std::log(delta), std::log(m2)};
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(dense[0][c][0][1].item<double>(), expected[c], 1e-5) << c;
    EXPECT_NEAR(dense[0][c][1][0].item<double>(), expected[c], 1e-5) << c;
  }
  // Self pairs: delta = 0 -> ln(1e-8) for kT and delta; z = 1/2; both particles are massless,
  // so m^2 of the doubled four-vector is clamped to 1e-8.
  EXPECT_NEAR(dense[0][0][0][0].item<double>(), std::log(1e-8), 1e-4);
  EXPECT_NEAR(dense[0][1][1][1].item<double>(), std::log(0.5), 1e-5);
  EXPECT_NEAR(dense[0][3][1][1].item<double>(), std::log(1e-8), 1e-4);
}

TEST(PairFeatures, RealJetsGiveSymmetricFiniteFeatures) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/top_2000");
  JetLoadOptions options;
  options.max_jets = 16;
  const auto jets = load_jets(dir, options);
  const auto dense = pair_features_dense(jets.four_vectors.narrow(2, 0, 64));
  EXPECT_TRUE(torch::isfinite(dense).all().item<bool>());
  EXPECT_TRUE(torch::equal(dense, dense.transpose(2, 3)));
  EXPECT_GE(dense.min().item<double>(), std::log(1e-8) - 1e-4);
}

TEST(PairFeatures, TensorFormEqualsTheCpuLoopOnRealJets) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/top_2000");
  JetLoadOptions options;
  options.max_jets = 32;
  const auto v = load_jets(dir, options).four_vectors;  // (32, 4, 128), zero-padded
  const auto loop = pair_features_packed_cpu(v), tensor = pair_features_packed_tensor(v);
  ASSERT_EQ(loop.sizes(), tensor.sizes());
  EXPECT_LT((loop - tensor).abs().max().item<double>(), 1e-5);
  // The dispatcher picks the loop on the CPU.
  EXPECT_TRUE(torch::equal(pair_features_packed(v), loop));
}

}  // namespace
}  // namespace subq::kernels
