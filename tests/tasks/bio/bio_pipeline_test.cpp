#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "subq/models/lyra/bio_model_factory.h"
#include "subq/tasks/bio/bio_pipeline.h"
#include "subq/tasks/bio/bio_compression.h"
#include "subq/transforms/compress/svd_baselines.h"
#include "subq/models/lyra/lyra.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "support/test_support.h"

namespace {

// A small FLIP-like table: random 12-residue sequences with a target from two residues.
std::string synthetic_table(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::string letters = "ACDEFGHIKL";
  std::string out = "sequence,target,set,validation\n";
  for (int i = 0; i < n; ++i) {
    std::string s;
    for (int j = 0; j < 12; ++j) s += letters[rng() % letters.size()];
    const double y = (s[2] == 'A') + 0.5 * (s[7] == 'C');
    out += fmt::format("{},{},{},{}\n", s, y, i % 5 == 4 ? "test" : "train", i % 5 == 3 ? "True" : "");
  }
  return out;
}

// A synthetic table written to DIR/d.csv, its spec and the loaded dataset.
struct SyntheticData {
  subq::data::BioDataSpec spec;
  subq::data::BioDataset dataset;
};
SyntheticData synthetic_data(const subq::test::TempDir& dir, int rows, unsigned seed) {
  subq::Progress::set_quiet(true);
  SyntheticData d;
  d.spec.path = (dir / "d.csv").string();
  std::ofstream(d.spec.path) << synthetic_table(rows, seed);
  d.dataset = subq::data::load_bio_dataset(d.spec);
  return d;
}

// One epoch of `kind` on the data.
subq::tasks::bio::BioTrainOutcome train_one_epoch(const SyntheticData& d, const std::string& kind) {
  subq::tasks::bio::BioTrainRequest request;
  request.model = kind;
  request.trainer.epochs = 1;
  return subq::tasks::bio::train_bio_model(d.dataset, d.spec, request);
}

TEST(BioPipeline, SavedAndReloadedModelPredictsIdentically) {
  subq::test::TempDir dir;
  const auto data = synthetic_data(dir, 60, 1);
  const auto& dataset = data.dataset;
  for (const char* kind : {"lyra", "cnn", "transformer"}) {
    auto outcome = train_one_epoch(data, kind);
    subq::tasks::bio::save_bio_model(outcome.predictor, dir / kind);
    auto loaded = subq::tasks::bio::load_bio_model(dir / kind);
    const auto rows = dataset.all_indices();
    auto a = outcome.predictor.predict(dataset, rows), b = loaded.predict(dataset, rows);
    EXPECT_TRUE(torch::equal(a, b)) << kind;
    EXPECT_EQ(loaded.model->parameter_count(), outcome.predictor.model->parameter_count());
  }
}

TEST(BioPipeline, CompressedModelLoadsAndMatchesDirectTruncation) {
  subq::test::TempDir dir;
  const auto data = synthetic_data(dir, 60, 3);
  const auto& dataset = data.dataset;
  subq::tasks::bio::save_bio_model(train_one_epoch(data, "lyra").predictor, dir / "m");

  subq::tasks::bio::BioCompressionOptions options;
  options.recipe.method = "svd";
  options.recipe.layers = "all";
  options.recipe.target = 0.5;
  options.out = dir / "svd";
  const auto result = subq::tasks::bio::compress_bio_model(dir / "m", dataset, options);
  EXPECT_LT(result["parameters_after"].get<int64_t>(), result["parameters_before"].get<int64_t>());
  EXPECT_TRUE(result.contains("spearman_test_after")) << result.dump();

  // The compressed directory loads by path and predicts like the same truncation done directly.
  const auto rows = dataset.all_indices();
  auto loaded = subq::tasks::bio::load_bio_predictor(dir / "svd");
  auto direct = subq::tasks::bio::load_bio_model(dir / "m");
  const auto original = direct.predict(dataset, rows);
  subq::compress::truncate_uniform(subq::compress::slots_of(*direct.model), "all", 0.5);
  const auto a = loaded.predict(dataset, rows), b = direct.predict(dataset, rows);
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5)) << (a - b).abs().max();
  EXPECT_FALSE(torch::allclose(a, original, 1e-5, 1e-5)) << "the truncation changed nothing";
  EXPECT_EQ(loaded.model->parameter_count(), direct.model->parameter_count());
}

TEST(BioPipeline, CorruptCheckpointIsAClearError) {
  subq::test::TempDir dir;
  std::ofstream(dir / "model.safetensors") << "not a safetensors file";
  EXPECT_THROW(subq::tasks::bio::load_bio_model(dir.path()), subq::Error);
  EXPECT_THROW(subq::tasks::bio::load_bio_model(dir / "missing"), subq::Error);
}

TEST(BioCommand, TrainEvalPredictEndToEnd) {
  subq::test::TempDir dir;
  const auto data = dir / "d.csv";
  std::ofstream(data) << synthetic_table(120, 2);
  const auto bin = subq::test::subq_binary();
  std::string out;
  ASSERT_EQ(subq::test::run_command(bin + " bio train --arch cnn --task regression --epochs 2 --threads 1 --data " +
                                        data.string() + " --out " + (dir / "m").string() + " --json",
                                    &out),
            0)
      << out;
  EXPECT_NE(out.find("\"spearman\""), std::string::npos) << out;
  ASSERT_EQ(subq::test::run_command(bin + " bio eval --json --model " + (dir / "m").string() + " --data " +
                                        data.string(),
                                    &out),
            0)
      << out;
  auto metrics = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(metrics["metrics"]["n"].get<double>(), 24.0);
  ASSERT_EQ(subq::test::run_command(bin + " bio predict --model " + (dir / "m").string() + " --data " +
                                        data.string() + " --out " + (dir / "p.csv").string(),
                                    &out),
            0)
      << out;
  std::ifstream preds(dir / "p.csv");
  std::string line;
  int lines = 0;
  while (std::getline(preds, line)) ++lines;
  EXPECT_EQ(lines, 121);
  // Bad input: a clear error and a non-zero exit, no output file.
  std::ofstream(dir / "bad.csv") << "sequence,target,set,validation\nAC!D,1,train,\n";
  EXPECT_NE(subq::test::run_command(bin + " bio predict --model " + (dir / "m").string() + " --data " +
                                        (dir / "bad.csv").string() + " --out " + (dir / "q.csv").string(),
                                    &out),
            0);
  EXPECT_NE(out.find("bad.csv:2"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "q.csv"));
}

// `bio train --model` is the deprecated spelling of --arch: it prints one notice and still
// picks the architecture (here an unknown one, refused by name).
TEST(BioCommand, ModelIsADeprecatedAliasOfArch) {
  subq::test::TempDir dir;
  const auto d = synthetic_data(dir, 20, 1);
  std::string log;
  EXPECT_NE(subq::test::run_command(subq::test::subq_binary() + " bio train --model nosuch --task regression --data " +
                                        d.spec.path + " --out " + (dir / "m").string(), &log), 0);
  EXPECT_NE(log.find("--model is deprecated here, use --arch nosuch"), std::string::npos) << log;
  EXPECT_NE(log.find("nosuch"), log.rfind("nosuch")) << log;  // the model factory names it too
}

}  // namespace
