// End-to-end `subq linearize` runs on stories260K: data parallelism and resuming.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "subq/io/safetensors.h"
#include "subq/util/atomic_file.h"
#include "support/test_support.h"

namespace subq {
namespace {

std::string linearize_command(const std::filesystem::path& model, const std::filesystem::path& text,
                              const std::filesystem::path& out, const std::string& extra,
                              const std::string& steps = "--transfer-steps 4 --lora-steps 4") {
  return fmt::format(
      "{} linearize --model {} --data {} --docs 201-280 --out {} --seq-len 64 --window 16 --feature-dim 8 "
      "{} --batch 4 --eval-every 2 --lora-lr 1e-3 --threads 1 --json {} 2>&1",
      test::subq_binary(), model.string(), text.string(), out.string(), steps, extra);
}

io::TensorMap outputs(const std::filesystem::path& dir) {
  auto all = io::SafetensorsFile(dir / "attention.safetensors").load_all();
  for (auto& [k, v] : io::SafetensorsFile(dir / "lora/adapter_model.safetensors").load_all()) all[k] = v;
  return all;
}

TEST(LinearizeCli, TwoProcessesMatchOneProcess) {
  SUBQ_REQUIRE_SHARED(model, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  test::TempDir dir;
  std::string log;
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "one", "--nproc 1"), &log), 0) << log;
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "two", "--nproc 2"), &log), 0) << log;
  auto one = outputs(dir / "one"), two = outputs(dir / "two");
  ASSERT_EQ(one.size(), two.size());
  for (const auto& [name, t] : one) {
    EXPECT_TRUE(torch::allclose(t, two.at(name), 1e-3, 1e-5)) << name << " max diff "
                                                               << (t - two.at(name)).abs().max().item<double>();
  }
}

TEST(LinearizeCli, RerunAfterInterruptionReproducesUninterruptedRun) {
  SUBQ_REQUIRE_SHARED(model, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  test::TempDir dir;
  std::string log;
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "a", ""), &log), 0) << log;
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "b", "--stop-after 3"), &log), 0) << log;
  EXPECT_FALSE(std::filesystem::exists(dir / "b/manifest.json"));
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "b", ""), &log), 0) << log;
  auto a = outputs(dir / "a"), b = outputs(dir / "b");
  for (const auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
}

// A real crash: `kill -9` once the first stage-1 checkpoint is on disk, then the same
// command again. The rerun resumes from the checkpoint and ends where an uninterrupted run
// ends (checkpoints are written atomically, so the kill cannot leave a torn one).
TEST(LinearizeCli, KillNineThenRerunReproducesUninterruptedRun) {
  SUBQ_REQUIRE_SHARED(model, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  test::TempDir dir;
  std::string log;
  const std::string longer = "--transfer-steps 40 --lora-steps 4";
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "a", "", longer), &log), 0) << log;
  const auto b = dir / "b";
  const auto pid_file = dir / "pid";
  ASSERT_EQ(test::run_command(fmt::format("{} > {} 2>&1 & echo $! > {}",
                                          linearize_command(model, text, b, "", longer), (dir / "log").string(),
                                          pid_file.string())),
            0);
  const auto pid = std::stol(read_file(pid_file));
  // Wait (up to 5 minutes) for the first checkpoint, then kill without warning.
  bool killed = false;
  for (int i = 0; i < 3000 && !killed; ++i) {
    if (std::filesystem::exists(b / "stage1_checkpoint.safetensors")) {
      killed = ::kill(static_cast<pid_t>(pid), SIGKILL) == 0;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(killed) << "the run ended before its first checkpoint, or never wrote one";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(std::filesystem::exists(b / "manifest.json"));
  ASSERT_EQ(test::run_command(linearize_command(model, text, b, "", longer), &log), 0) << log;
  auto want = outputs(dir / "a"), got = outputs(b);
  for (const auto& [name, t] : want) EXPECT_TRUE(torch::equal(t, got.at(name))) << name;
}

// `subq eval --linear` on base + linearize output, and `subq eval` on the `subq export` of the
// same pair, give the same perplexity; the base alone gives another.
TEST(LinearizeCli, ExportAndEvalLinearAgree) {
  SUBQ_REQUIRE_SHARED(model, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  test::TempDir dir;
  std::string log;
  ASSERT_EQ(test::run_command(linearize_command(model, text, dir / "lin", ""), &log), 0) << log;
  const auto export_command = fmt::format("{} export --threads 1 --model {} --linear {} --out {} 2>&1",
                                          test::subq_binary(), model.string(), (dir / "lin").string(),
                                          (dir / "merged").string());
  ASSERT_EQ(test::run_command(export_command, &log), 0) << log;
  EXPECT_NE(test::run_command(export_command, &log), 0) << "export must not overwrite";
  auto perplexity = [&](const std::string& model_args) {
    std::string out;
    const auto cmd = fmt::format("{} eval --threads 1 {} --task perplexity --data {} --limit 8 --ctx 128 --json",
                                 test::subq_binary(), model_args, text.string());
    EXPECT_EQ(test::run_command(cmd, &out), 0) << out;
    return nlohmann::json::parse(out.substr(out.find('{'))).at("perplexity").get<double>();
  };
  const double with_linear = perplexity(fmt::format("--model {} --linear {}", model.string(), (dir / "lin").string()));
  const double exported = perplexity(fmt::format("--model {}", (dir / "merged").string()));
  const double base = perplexity(fmt::format("--model {}", model.string()));
  EXPECT_NEAR(exported, with_linear, 1e-4 * with_linear);
  EXPECT_GT(std::abs(base - with_linear), 1e-3);
}

TEST(LinearizeCli, BadInputsFailClearly) {
  SUBQ_REQUIRE_SHARED(model, "models/stories260K/stories260K.gguf");
  test::TempDir dir;
  std::string log;
  EXPECT_NE(test::run_command(linearize_command(model, dir / "missing.txt", dir / "o", ""), &log), 0);
  EXPECT_NE(log.find("missing.txt"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir / "o/manifest.json"));
}

}  // namespace
}  // namespace subq
