// Captured ParT attention: rows are distributions over the real particles only, and
// split_capture cuts each jet's real block out of the padded batch exactly.
#include "subq/analysis/jet_attention.h"
#include "subq/data/jet_inputs.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/util/error.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

namespace subq::analysis {
namespace {

// Three random physical jets with 5, 3 and 4 real particles in 6 slots.
data::JetBatch ragged_batch() {
  torch::manual_seed(11);
  const int64_t slots = 6;
  auto p3 = torch::randn({3, 3, slots}) * 20;
  auto four = torch::cat({p3, p3.norm(2, 1, true) + 1}, 1);
  auto mask = torch::zeros({3, slots}, torch::kBool);
  const int64_t real[] = {5, 3, 4};
  for (int b = 0; b < 3; ++b) mask[b].narrow(0, 0, real[b]).fill_(true);
  four = four * mask.unsqueeze(1);
  auto jets = data::make_jet_dataset(four, mask, torch::tensor({0, 1, 1}, torch::kInt64),
                                     data::default_class_names(2), "random", slots);
  auto batch = data::make_batch(data::prepare_jets(jets, data::JetInputSpec{}), torch::arange(3));
  return batch;
}

TEST(AttentionCapture, RowsSumToOneOverRealParticlesAndPaddingGetsNothing) {
  models::part::ParticleTransformer model(test::tiny_part_config());
  model.eval();
  const auto batch = ragged_batch();
  ASSERT_EQ(batch.particles(), 5);  // trimmed to the longest jet
  models::part::AttentionCapture capture;
  model.forward(batch, &capture);
  const auto key_real = batch.mask.unsqueeze(1).unsqueeze(2);  // (B, 1, 1, P)
  for (const auto& w : capture.particle_weights) {
    const auto real_mass = (w * key_real).sum(-1);                     // (B, H, P)
    EXPECT_TRUE(torch::allclose(real_mass, torch::ones_like(real_mass), 1e-5, 1e-6));
    EXPECT_EQ((w * ~key_real).abs().max().item<float>(), 0.0f);        // exactly zero
  }
  const auto& c = capture.class_weights[0];  // keys: class token, then particles
  EXPECT_TRUE(torch::allclose(c.sum(-1), torch::ones({3, 2, 1}), 1e-5, 1e-6));
  EXPECT_EQ((c.narrow(3, 1, 5) * ~key_real).abs().max().item<float>(), 0.0f);
}

TEST(AttentionCapture, SplitKeepsEachJetsRealBlock) {
  models::part::ParticleTransformer model(test::tiny_part_config());
  model.eval();
  const auto batch = ragged_batch();
  models::part::AttentionCapture capture;
  model.forward(batch, &capture);
  const auto jets = split_capture(capture, batch.labels);
  ASSERT_EQ(jets.size(), 3u);
  const int64_t real[] = {5, 3, 4}, labels[] = {0, 1, 1};
  for (int b = 0; b < 3; ++b) {
    const auto& jet = jets[b];
    const int64_t n = real[b];
    EXPECT_EQ(jet.label, labels[b]);
    ASSERT_EQ(jet.particles(), n);
    ASSERT_EQ(jet.particle_weights.size(), 2u);
    for (size_t l = 0; l < 2; ++l) {
      const auto expected = capture.particle_weights[l][b].narrow(1, 0, n).narrow(2, 0, n);
      EXPECT_TRUE(torch::equal(jet.particle_weights[l], expected));
      EXPECT_TRUE(torch::allclose(jet.particle_weights[l].sum(-1), torch::ones({2, n}), 1e-5, 1e-6));
    }
    EXPECT_TRUE(torch::equal(jet.pair_bias, capture.pair_bias[b].narrow(1, 0, n).narrow(2, 0, n)));
    EXPECT_TRUE(torch::equal(jet.class_weights[0], capture.class_weights[0][b].narrow(2, 0, n + 1)));
  }
}

TEST(AttentionCapture, NonFiniteWeightsAreRejected) {
  models::part::AttentionCapture capture;
  capture.mask = torch::ones({1, 2}, torch::kBool);
  capture.particle_weights.push_back(torch::full({1, 1, 2, 2}, std::nanf("")));
  EXPECT_THROW(split_capture(capture, torch::zeros({1}, torch::kInt64)), Error);
  capture.particle_weights[0] = torch::full({1, 1, 3, 3}, 0.5f);  // wrong particle count
  EXPECT_THROW(split_capture(capture, torch::zeros({1}, torch::kInt64)), Error);
}

}  // namespace
}  // namespace subq::analysis
