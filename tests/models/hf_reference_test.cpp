// subq against Hugging Face transformers on real checkpoints, in the same run: the reference
// (scripts/hf_reference.py, transformers 4.44.2 over Debian's torch, GGUF weights dequantized by
// the `gguf` package) and subq (eval::full_logits, the `subq logits` path) compute the same
// token ids. Skips with a message when the venv (scripts/install_deps.sh) or a model is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "subq/eval/logits.h"
#include "subq/io/npy.h"
#include "subq/models/bert/bert_model.h"
#include "subq/models/llama/llama_loader.h"
#include "support/test_support.h"

using namespace subq;
namespace fs = std::filesystem;

namespace {

fs::path cache_dir() {
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/root") / ".cache" / "subq";
}

fs::path from_env_or_cache(const char* env, const std::string& cached) {
  const char* v = std::getenv(env);
  const fs::path p = v && *v ? fs::path(v) : cache_dir() / cached;
  return fs::exists(p) ? p : fs::path();
}

fs::path reference_python() {
  const auto venv = from_env_or_cache("SUBQ_HF_VENV", "hf-venv");
  return venv.empty() || !fs::exists(venv / "bin" / "python") ? fs::path() : venv / "bin" / "python";
}

const std::vector<std::vector<int64_t>>& token_ids(int64_t vocab) {
  // Fixed, varied ids (not special tokens only), folded into the vocabulary.
  static std::vector<std::vector<int64_t>> ids;
  ids = {{1, 504, 3300, 282, 19116, 28, 1015, 314, 253, 9, 17, 4021, 12000, 77, 30000},
         {504, 3300, 282, 19116, 314, 7042, 101, 102}};
  for (auto& seq : ids)
    for (auto& id : seq) id %= vocab;
  return ids;
}

// Runs the reference on `ids` and returns its arrays, one per sequence.
std::vector<torch::Tensor> reference(const fs::path& model, const std::vector<std::vector<int64_t>>& ids,
                                     const test::TempDir& tmp) {
  {
    std::ofstream out(tmp / "ids.txt");
    for (const auto& seq : ids) {
      for (auto id : seq) out << id << " ";
      out << "\n";
    }
  }
  const auto script = fs::path(SUBQ_TEST_DATA).parent_path().parent_path() / "scripts" / "hf_reference.py";
  std::string log;
  const int rc = test::run_command(reference_python().string() + " " + script.string() + " --threads 2 --model " +
                                       model.string() + " --ids " + (tmp / "ids.txt").string() + " --out " +
                                       (tmp / "ref.npy").string() + " 2>&1",
                                   &log);
  EXPECT_EQ(rc, 0) << log;
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < ids.size(); ++i) out.push_back(io::read_npy(tmp / ("ref_" + std::to_string(i) + ".npy")));
  return out;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

#define SUBQ_REQUIRE_REFERENCE()                                                                       \
  if (reference_python().empty())                                                                      \
    GTEST_SKIP() << "needs the transformers venv (~/.cache/subq/hf-venv, made by scripts/install_deps.sh)";

void compare_decoder(const fs::path& model, double tolerance, const std::string& name) {
  models::LlamaLoadOptions options;
  options.need_tokenizer = false;
  auto loaded = models::load_llama(model, options);
  const auto& ids = token_ids(loaded.config().vocab_size);
  test::TempDir tmp;
  const auto ref = reference(model, ids, tmp);
  double worst = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto got = eval::full_logits(*loaded.model, ids[i]);
    worst = std::max(worst, max_diff(got, ref[i]));
    EXPECT_TRUE(torch::equal(got.argmax(-1), ref[i].argmax(-1))) << name << " sequence " << i;
  }
  std::cout << "[reference] " << name << " (" << loaded.config().family << "): max |logit diff| " << worst << "\n";
  EXPECT_LT(worst, tolerance);
}

}  // namespace

TEST(HfReference, MiniLmHiddenStatesMatchTransformers) {
  SUBQ_REQUIRE_REFERENCE();
  const auto model = from_env_or_cache("SUBQ_MINILM_MODEL", "all-MiniLM-L6-v2");
  if (model.empty()) GTEST_SKIP() << "needs all-MiniLM-L6-v2 (scripts/fetch_minilm.sh)";
  auto bert = models::load_bert(model);
  const auto& ids = token_ids(bert->config().vocab_size);
  test::TempDir tmp;
  const auto ref = reference(model, ids, tmp);
  torch::NoGradGuard no_grad;
  double worst = 0;
  for (size_t i = 0; i < ids.size(); ++i)
    worst = std::max(worst, max_diff(bert->forward(torch::tensor(ids[i]).unsqueeze(0))[0], ref[i]));
  std::cout << "[reference] all-MiniLM-L6-v2 (bert): max |hidden diff| " << worst << "\n";
  EXPECT_LT(worst, 1e-4);
}

TEST(HfReference, SmolLm2GgufLogitsMatchTransformers) {
  SUBQ_REQUIRE_REFERENCE();
  const auto model = from_env_or_cache("SUBQ_DEFAULT_MODEL", "SmolLM2-135M-Instruct-Q4_1.gguf");
  if (model.empty()) GTEST_SKIP() << "needs SmolLM2 (scripts/fetch_default_model.sh)";
  compare_decoder(model, 1e-3, "SmolLM2-135M-Instruct Q4_1");
}

TEST(HfReference, Qwen25CoderGgufLogitsMatchTransformers) {
  SUBQ_REQUIRE_REFERENCE();
  const auto model = from_env_or_cache("SUBQ_QWEN_MODEL", "Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf");
  if (model.empty()) GTEST_SKIP() << "needs Qwen2.5-Coder-0.5B-Instruct (scripts/fetch_qwen.sh 0.5b)";
  compare_decoder(model, 1e-3, "Qwen2.5-Coder-0.5B-Instruct Q4_K_M");
}
