// Linearizing a trained ParT (tasks/jets/part_linearize.h): the all-linear model skips the
// pair embedding, attention transfer lowers the MSE, checkpoints round-trip, bad options fail.
#include "subq/models/part/particle_transformer.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/tasks/jets/part_attention_transfer.h"
#include "subq/tasks/jets/part_linearize.h"
#include "subq/util/error.h"
#include "support/random_jets.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

namespace subq::models::part {
namespace {

std::shared_ptr<ParticleTransformer> tiny_linearized(int64_t pair_features) {
  torch::manual_seed(5);
  ParticleTransformer trained(test::tiny_part_config());
  trained.eval();
  tasks::jets::LinearizeOptions options;
  options.feature_dim = 4;
  options.pair_features = pair_features;
  return tasks::jets::make_linearized(trained, options);
}

TEST(LinearParticleAttention, AllLinearModelSkipsThePairEmbedding) {
  auto model = tiny_linearized(4);
  EXPECT_FALSE(model->uses_pair_bias());
  torch::manual_seed(2);
  auto batch = data::make_batch(test::random_prepared_jets(2, 5, 5), torch::arange(2));
  const auto pad = [](const torch::Tensor& t) {  // one padded slot after the 5 real particles
    auto shape = t.sizes().vec();
    shape.back() = 1;
    return torch::cat({t, torch::zeros(shape, t.options())}, -1);
  };
  batch.features = pad(batch.features);
  batch.four_vectors = pad(batch.four_vectors);
  batch.mask = pad(batch.mask);
  AttentionCapture capture;
  const auto before = model->forward(batch, &capture);
  EXPECT_FALSE(capture.pair_bias.defined());
  EXPECT_EQ(capture.particle_weights[0].select(3, 5).abs().max().item<float>(), 0.0f);
  // U is never built: the four-vectors (only the pair features read them) no longer matter.
  batch.four_vectors = torch::randn_like(batch.four_vectors);
  EXPECT_TRUE(torch::equal(model->forward(batch), before));
}

TEST(LinearParticleAttention, TransferLowersTheMse) {
  auto model = tiny_linearized(4);
  torch::manual_seed(3);
  const auto jets = test::random_prepared_jets(16, 8, 6);
  const double before = tasks::jets::attention_transfer_mse(*model, jets, 16);
  tasks::jets::AttentionTransferOptions options;
  options.epochs = 1;
  options.batch_size = 16;  // one step
  options.lr = 1e-2;
  const auto result = tasks::jets::transfer_attention(*model, jets, jets, options);
  EXPECT_NEAR(result.initial_val_mse, before, 1e-6 * before);
  EXPECT_LT(result.best_val_mse, before);
  EXPECT_EQ(result.best_epoch, 1);
  EXPECT_NEAR(tasks::jets::attention_transfer_mse(*model, jets, 16), result.best_val_mse, 1e-6 * before);
  EXPECT_EQ(model->attention_kernel(0)->kind(), "linear");  // students left in place
}

TEST(LinearParticleAttention, SavedModelLoadsWithIdenticalOutputs) {
  for (int64_t pair_features : {0, 4}) {
    auto model = tiny_linearized(pair_features);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.01);
    }
    test::TempDir dir;
    tasks::jets::save_jet_tagger(*model, data::default_class_names(2), dir.path() / "model.safetensors");
    const auto loaded = tasks::jets::load_jet_tagger(dir.path());
    EXPECT_EQ(loaded.model->config_json()["attention"], "linear");
    EXPECT_EQ(loaded.model->config_json()["linear_pair_features"], pair_features);
    torch::manual_seed(4);
    const auto batch = data::make_batch(test::random_prepared_jets(3, 7, 5), torch::arange(3));
    model->eval();
    EXPECT_TRUE(torch::equal(loaded.model->forward(batch), model->forward(batch)));
  }
}

TEST(LinearParticleAttention, LinearizeRejectsBadOptions) {
  ParticleTransformer trained(test::tiny_part_config());
  tasks::jets::LinearizeOptions options;
  options.feature_dim = 0;
  EXPECT_THROW(tasks::jets::make_linearized(trained, options), Error);
  auto linear = tiny_linearized(2);
  EXPECT_THROW(tasks::jets::make_linearized(*linear, tasks::jets::LinearizeOptions{}), Error);  // not softmax
}

}  // namespace
}  // namespace subq::models::part
