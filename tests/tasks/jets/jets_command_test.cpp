// `subq jets` end to end on the real top-tagging sample with a tiny ParT, plus the baseline.
#include <nlohmann/json.hpp>

#include "subq/util/atomic_file.h"

#include "support/test_support.h"

namespace subq {
namespace {

TEST(JetsCommand, TrainThenEvalReproducesTestMetrics) {
  SUBQ_REQUIRE_SHARED(data, "data/jets/top_2000");
  test::TempDir out;
  std::string log;
  const std::string train = test::subq_binary() + " jets train --arch part --data " + data.string() +
                            " --out " + out.path().string() +
                            " --max-jets 300 --epochs 2 --batch 64 --layers 1 --cls-layers 1"
                            " --embed-dims 16,32,16 --pair-dims 8 --heads 2 --threads 2 --json";
  ASSERT_EQ(test::run_command(train, &log), 0) << log;
  for (const char* f : {"model.safetensors", "metrics.json", "summary.json", "roc.png", "roc.svg", "roc.json"})
    EXPECT_TRUE(std::filesystem::exists(out / f)) << f;
  const auto metrics = nlohmann::json::parse(subq::read_file(out / "metrics.json"));
  EXPECT_EQ(metrics["test"]["jets"], 30);  // 10% of 300
  EXPECT_EQ(metrics["history"].size(), metrics["epochs_run"].get<size_t>());
  // (A 2-epoch toy model's AUC means nothing; the real numbers come from docs/jets.md runs.)
  // Evaluating the saved checkpoint is deterministic and covers all 300 jets.
  const std::string eval = test::subq_binary() + " jets eval --model " + out.path().string() +
                           " --data " + data.string() + " --max-jets 300 --json 2>/dev/null";
  std::string first, second;
  ASSERT_EQ(test::run_command(eval, &first), 0) << first;
  ASSERT_EQ(test::run_command(eval, &second), 0) << second;
  const auto evaluated = nlohmann::json::parse(first);
  EXPECT_EQ(evaluated, nlohmann::json::parse(second));
  EXPECT_EQ(evaluated["jets"], 300);
  EXPECT_EQ(evaluated["confusion"].size(), 2u);
}

TEST(JetsCommand, LinearizeWritesAModelThatEvalLoads) {
  SUBQ_REQUIRE_SHARED(data, "data/jets/top_2000");
  test::TempDir trained, linear;
  std::string log;
  const std::string subset = " --data " + data.string() + " --max-jets 200 --threads 2";
  ASSERT_EQ(test::run_command(test::subq_binary() + " jets train --arch part --out " + trained.path().string() + subset +
                                  " --epochs 1 --batch 64 --layers 1 --cls-layers 1 --embed-dims 16,32,16"
                                  " --pair-dims 8 --heads 2 --json", &log), 0) << log;
  ASSERT_EQ(test::run_command(test::subq_binary() + " jets linearize --model " + trained.path().string() + " --out " +
                                  linear.path().string() + subset +
                                  " --transfer-epochs 1 --finetune-epochs 1 --feature-dim 4 --pair-features 2 --json",
                              &log), 0) << log;
  const auto summary = nlohmann::json::parse(subq::read_file(linear.path() / "summary.json"));
  EXPECT_EQ(summary["test"]["jets"]["mean"], 20);  // the training run's test part
  const auto metrics = nlohmann::json::parse(subq::read_file(linear.path() / "metrics.json"));
  EXPECT_EQ(metrics["config"]["attention"], "linear");
  EXPECT_EQ(metrics["config"]["linear_pair_features"], 2);
  EXPECT_EQ(metrics["transfer"]["history"].size(), 1u);
  EXPECT_TRUE(metrics.contains("finetune"));
  ASSERT_EQ(test::run_command(test::subq_binary() + " jets eval --model " + linear.path().string() + subset +
                                  " --json 2>/dev/null", &log), 0) << log;
  EXPECT_EQ(nlohmann::json::parse(log)["jets"], 200);
  // A fold the training run does not have, and a directory without a checkpoint.
  EXPECT_NE(test::run_command(test::subq_binary() + " jets linearize --model " + trained.path().string() + " --out " +
                                  linear.path().string() + subset + " --fold 2", &log), 0);
  EXPECT_NE(log.find("--fold 2"), std::string::npos) << log;
  EXPECT_NE(test::run_command(test::subq_binary() + " jets linearize --model " + linear.path().string() + "/none --out " +
                                  linear.path().string() + subset, &log), 0);
  EXPECT_NE(log.find("model.safetensors"), std::string::npos) << log;
}

TEST(JetsCommand, MassBaselineMatchesTheReadme) {
  SUBQ_REQUIRE_SHARED(data, "data/jets/top_2000");
  std::string out;
  ASSERT_EQ(test::run_command(test::subq_binary() + " jets baseline --json --data " + data.string() +
                                  " 2>/dev/null", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  // shared/README: mass alone 0.912, constituent count 0.702 (numpy: 0.91152, 0.70237).
  EXPECT_NEAR(j["all_jets"]["mass"]["auc"].get<double>(), 0.9115, 5e-4);
  EXPECT_NEAR(j["all_jets"]["constituent_count"]["auc"].get<double>(), 0.7024, 5e-4);
}

// `subq jets train FLAGS --data /nonexistent --out OUT`: fails on the missing data after
// parsing FLAGS; returns the exit status, the combined output in `log`.
int train_on_missing_data(const std::string& flags, const test::TempDir& out, std::string* log) {
  return test::run_command(test::subq_binary() + " jets train " + flags + " --data /nonexistent --out " +
                               out.path().string(), log);
}

TEST(JetsCommand, BadInputFailsWithAMessage) {
  test::TempDir out;
  std::string log;
  EXPECT_NE(train_on_missing_data("--arch part", out, &log), 0);
  EXPECT_NE(log.find("/nonexistent"), std::string::npos) << log;
  EXPECT_NE(test::run_command(test::subq_binary() + " jets eval --model " + out.path().string() +
                                  " --data /nonexistent", &log), 0);
  EXPECT_NE(log.find("model.safetensors"), std::string::npos) << log;
}

// `--arch` names the architecture; `--model` is its deprecated alias (one stderr notice) and
// still selects it; giving both is refused.
TEST(JetsCommand, ModelIsADeprecatedAliasOfArch) {
  test::TempDir out;
  std::string log;
  EXPECT_NE(train_on_missing_data("--model part", out, &log), 0);
  EXPECT_NE(log.find("--model is deprecated here, use --arch part"), std::string::npos) << log;
  EXPECT_NE(log.find("/nonexistent"), std::string::npos) << log;  // and training went on to the data
  EXPECT_NE(train_on_missing_data("--arch part --model pcn", out, &log), 0);
  EXPECT_NE(log.find("excludes"), std::string::npos) << log;
}

}  // namespace
}  // namespace subq
