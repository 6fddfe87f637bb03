// PCN: exact parameter count and graph handling.
#include "subq/data/jet_inputs.h"
#include "subq/models/pcn/pcn_model.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::models::pcn {
namespace {

TEST(Pcn, GcnnParameterCountMatchesThePaper) {
  PcnConfig config;  // 16 inputs, 10 classes, K = 16
  // 16*16*64 + 64 + 2 * (16*64*64 + 64) + 64*10 + 10
  EXPECT_EQ(count_parameters(ParticleChebyshevNetwork(config)), 148298);
  config.variant = "dgcnn";
  EXPECT_EQ(count_parameters(ParticleChebyshevNetwork(config)), 148298 + 2 * (128 * 64 + 64));
}

TEST(Pcn, OptionsChangeOnlyTheirOwnParameters) {
  PcnConfig config;
  config.pooling = "mean_max";  // the Linear sees 2 x 64 pooled values
  EXPECT_EQ(count_parameters(ParticleChebyshevNetwork(config)), 148298 + 64 * 10);
  config.head_hidden = 32;  // Linear(128, 32), ReLU, Linear(32, 10) instead of Linear(128, 10)
  EXPECT_EQ(count_parameters(ParticleChebyshevNetwork(config)), 148298 - 650 + 128 * 32 + 32 + 32 * 10 + 10);
  config.node_features = "kin";
  config.input_dim = 7;
  EXPECT_EQ(ParticleChebyshevNetwork(config).input_spec().features, "part_kin");
  EXPECT_EQ(PcnConfig::from_json(config.to_json()).to_json(), config.to_json());
  auto bad = config.to_json();
  bad["pooling"] = "median";
  EXPECT_THROW(PcnConfig::from_json(bad), subq::Error);
}

TEST(Pcn, MeanMaxPoolingIgnoresPaddedNodes) {
  torch::manual_seed(0);
  PcnConfig config;
  config.num_classes = 2;
  config.order = 2;
  config.pooling = "mean_max";
  config.head_hidden = 8;
  ParticleChebyshevNetwork model(config);
  model.eval();
  // A 3-particle jet alone, and batched with a 6-particle jet (so it is padded to 6 slots):
  // its output must not depend on the padding.
  auto four = torch::zeros({2, 4, 6});
  auto mask = torch::zeros({2, 6}, torch::kBool);
  const int counts[2] = {3, 6};
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < counts[j]; ++i) {
      four[j][0][i] = 20.0 - 3 * i + j;
      four[j][1][i] = 4.0 + i;
      four[j][2][i] = 2.0 * i - 1;
      four[j][3][i] = 25.0 + i;
      mask[j][i] = true;
    }
  auto jets = data::make_jet_dataset(four, mask, torch::tensor({1, 0}), data::default_class_names(2), "t", 6);
  auto prepared = data::prepare_jets(jets, model.input_spec());
  model.fit_input_scaling(prepared.features, jets.mask);
  const auto alone = model.forward(data::make_batch(prepared, torch::tensor({0})));
  const auto padded = model.forward(data::make_batch(prepared, torch::tensor({0, 1}))).narrow(0, 0, 1);
  EXPECT_TRUE(torch::allclose(alone, padded, 1e-5, 1e-6)) << alone << padded;
}

TEST(Pcn, HandlesJetsTooSmallForAGraph) {
  torch::manual_seed(0);
  PcnConfig config;
  config.num_classes = 2;
  config.order = 3;
  ParticleChebyshevNetwork model(config);
  model.eval();
  // Jets with 1, 2 and 4 particles.
  auto four = torch::zeros({3, 4, 4});
  auto mask = torch::zeros({3, 4}, torch::kBool);
  const int counts[3] = {1, 2, 4};
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < counts[j]; ++i) {
      four[j][0][i] = 10.0 + i + j;
      four[j][1][i] = 5.0 - i;
      four[j][2][i] = 1.0 * i;
      four[j][3][i] = 30.0 + i;
      mask[j][i] = true;
    }
  auto jets = data::make_jet_dataset(four, mask, torch::tensor({0, 1, 0}), data::default_class_names(2), "t", 4);
  auto prepared = data::prepare_jets(jets, model.input_spec());
  model.fit_input_scaling(prepared.features, jets.mask);
  const auto out = model.forward(data::make_batch(prepared, torch::arange(3)));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
}

}  // namespace
}  // namespace subq::models::pcn
