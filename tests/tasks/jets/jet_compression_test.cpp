// subq jets compress: the saved compressed checkpoint loads through load_jet_tagger and gives
// the outputs of the same truncation done directly on the model; soft-rank meets the budget.
#include "subq/models/part/particle_transformer.h"
#include "subq/tasks/jets/jet_compression.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/transforms/compress/svd_baselines.h"
#include "support/random_jets.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

namespace subq::tasks::jets {
namespace {

// 30 random jets of 3-8 particles in 8 slots.
data::JetDataset random_jets() {
  torch::manual_seed(7);
  const int64_t n = 30, slots = 8;
  return test::random_jet_dataset(torch::arange(slots).unsqueeze(0) < torch::randint(3, slots + 1, {n, 1}));
}

torch::Tensor logits(models::JetTagger& model, const data::JetDataset& jets) {
  torch::NoGradGuard no_grad;
  model.eval();
  const auto prepared = data::prepare_jets(jets, model.input_spec());
  return model.forward(data::make_batch(prepared, torch::arange(jets.size())));
}

std::filesystem::path save_random_part(const test::TempDir& dir) {
  torch::manual_seed(3);
  auto model = std::make_shared<models::part::ParticleTransformer>(test::tiny_part_config());
  save_jet_tagger(*model, {"QCD", "top"}, dir / "base" / "model.safetensors");
  return dir / "base";
}

TEST(JetCompression, SvdCheckpointLoadsAndMatchesDirectTruncation) {
  test::TempDir dir;
  const auto base = save_random_part(dir);
  const auto jets = random_jets();
  JetCompressionOptions options;
  options.recipe.method = "svd";
  options.recipe.layers = "all";
  options.recipe.target = 0.5;
  options.out = dir / "svd";
  const auto result = compress_jet_taggers(base, jets, options);
  const auto& fold = result["per_fold"][0];
  EXPECT_LT(fold["parameters_after"].get<int64_t>(), fold["parameters_before"].get<int64_t>());
  EXPECT_NEAR(fold["chosen_reduction"].get<double>(), 0.5, 0.05);

  auto loaded = load_jet_tagger(dir / "svd");  // the compressed checkpoint, by path
  auto direct = load_jet_tagger(base);
  compress::truncate_uniform(compress::slots_of(*direct.model), "all", 0.5);
  const auto a = logits(*loaded.model, jets), b = logits(*direct.model, jets);
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5)) << (a - b).abs().max();
  EXPECT_FALSE(torch::allclose(a, logits(*load_jet_tagger(base).model, jets), 1e-4, 1e-4))
      << "the truncation changed nothing: the test would not see a broken checkpoint";
}

TEST(JetCompression, SoftRankMeetsTheBudgetAndTrains) {
  test::TempDir dir;
  const auto base = save_random_part(dir);
  JetCompressionOptions options;
  options.recipe.method = "softrank";
  options.recipe.layers = "all";
  options.recipe.target = 0.5;
  options.epochs = 2;
  options.finetune_epochs = 1;
  options.batch_size = 8;
  options.out = dir / "softrank";
  const auto result = compress_jet_taggers(base, random_jets(), options);
  // The budget is over the weights (biases stay as they are): count them from the manifest.
  const auto manifest = compress::read_compressed_manifest(dir / "softrank");
  int64_t before = 0, after = 0;
  for (const auto& l : manifest.compressed) {
    before += l.in_features * l.out_features;
    after += l.factorized ? l.rank * (l.in_features + l.out_features) : l.in_features * l.out_features;
    EXPECT_GE(l.rank, 1) << l.path;
  }
  EXPECT_GE(1.0 - double(after) / before, 0.5 - 1e-9);
  EXPECT_LT(1.0 - double(after) / before, 0.6);
  EXPECT_LT(result["per_fold"][0]["parameters_after"].get<int64_t>(),
            result["per_fold"][0]["parameters_before"].get<int64_t>());
  EXPECT_NO_THROW(load_jet_tagger(dir / "softrank"));
}

}  // namespace
}  // namespace subq::tasks::jets
