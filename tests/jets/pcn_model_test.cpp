// PCN: exact parameter count and graph handling.
#include "subq/data/jet_inputs.h"
#include "subq/models/pcn/pcn_model.h"
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
