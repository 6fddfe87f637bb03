// Real checkpoints against golden values from an independent forward pass
// (../shared/models/stories260K/golden_reference.json), and the default SmolLM2 model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "subq/eval/perplexity.h"
#include "subq/models/llama/generation.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/util/atomic_file.h"
#include "support/test_support.h"

using namespace subq;
using namespace subq::models;

namespace {

nlohmann::json golden() {
  const auto path = test::shared_file("models/stories260K/golden_reference.json");
  return nlohmann::json::parse(read_file(path));
}

LoadedLlama load_stories_bin(const std::filesystem::path& bin) {
  LlamaLoadOptions options;
  options.tokenizer = bin.parent_path() / "tok512.bin";
  return load_llama(bin, options);
}

// Checks prompt ids, the top-5 next-token logits and 32 greedy tokens; returns the logits.
torch::Tensor check_stories_golden(LoadedLlama& m) {
  const auto g = golden();
  const auto ids = m.tokenizer->encode(g["prompt"].get<std::string>(), /*add_bos=*/true);
  EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.end()), g["prompt_ids"].get<std::vector<int64_t>>());
  c10::InferenceMode im;
  const auto tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);
  const auto logits = m.model->forward(tokens);
  const auto [top, top_ids] = logits[0][-1].topk(5);
  const auto want_ids = g["last_pos_top5_ids"].get<std::vector<int64_t>>();
  const auto want_logits = g["last_pos_top5_logits"].get<std::vector<double>>();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(top_ids[i].item<int64_t>(), want_ids[i]) << "rank " << i;
    EXPECT_NEAR(top[i].item<double>(), want_logits[i], 1e-4) << "rank " << i;
  }
  EXPECT_NEAR(logits.sum().item<double>(), g["logits_sum_all_positions"].get<double>(), 0.05);
  GenerationOptions options;
  options.max_tokens = 32;
  options.sampler.greedy = true;
  options.stop_at_end = false;
  const auto result = generate(*m.model, ids, options, m.tokenizer.get());
  EXPECT_EQ(std::vector<int64_t>(result.tokens.begin(), result.tokens.end()),
            g["greedy_32_ids"].get<std::vector<int64_t>>());
  return logits;
}

}  // namespace

TEST(LlamaGolden, Stories260KGgufMatchesGoldenAndBinGivesIdenticalLogits) {
  SUBQ_REQUIRE_SHARED(gguf, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(bin, "models/stories260K/stories260K.bin");
  auto from_gguf = load_llama(gguf);
  EXPECT_EQ(from_gguf.config().n_kv_heads, 4);
  EXPECT_EQ(from_gguf.config().hidden_dim, 172);
  const auto gguf_logits = check_stories_golden(from_gguf);
  auto from_bin = load_stories_bin(bin);
  // The GGUF stores a copy of the embedding as output.weight and context_length 2048; the
  // .bin ties the output and says seq_len 512. The network is the same.
  const auto &a = from_bin.config(), &b = from_gguf.config();
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.hidden_dim, b.hidden_dim);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.n_heads, b.n_heads);
  EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.rope_theta, b.rope_theta);
  const auto bin_logits = check_stories_golden(from_bin);
  EXPECT_TRUE(torch::equal(gguf_logits, bin_logits));
}

TEST(LlamaGolden, Stories260KPerplexityOnFirst200TinyStories) {
  SUBQ_REQUIRE_SHARED(gguf, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  auto m = load_llama(gguf);
  eval::PerplexityOptions options;
  options.ctx = 512;
  options.max_docs = 200;
  options.batch = 2;  // larger batches of 512-token stories thrash the allocator
  std::string protocol;
  const auto windows = eval::perplexity_windows(read_file(text), *m.tokenizer, options, &protocol);
  EXPECT_EQ(protocol, "documents");
  ASSERT_EQ(windows.size(), 200u);
  c10::InferenceMode im;
  const auto result = eval::perplexity([&](const torch::Tensor& t) { return m.model->forward(t); }, windows,
                                       options);
  const auto g = golden();
  EXPECT_EQ(result.tokens, g["tinystories_val_first200_tokens"].get<int64_t>());
  EXPECT_NEAR(result.mean_nll, g["tinystories_val_first200_mean_nll"].get<double>(), 0.0015);
  EXPECT_NEAR(result.perplexity, 3.607, 3.607 * 0.005);
}

TEST(LlamaGolden, SmolLM2KnowsTheCapitalOfFrance) {
  const char* env = std::getenv("SUBQ_DEFAULT_MODEL");
  if (!env || !std::filesystem::exists(env))
    GTEST_SKIP() << "set SUBQ_DEFAULT_MODEL to the SmolLM2-135M-Instruct Q4_1 GGUF (scripts/fetch_default_model.sh)";
  auto m = load_llama(env);
  EXPECT_EQ(m.config().n_layers, 30);
  EXPECT_EQ(m.config().n_kv_heads, 3);
  const auto ids = m.tokenizer->encode("The capital of France is", /*add_bos=*/true);
  GenerationOptions options;
  options.max_tokens = 6;
  options.sampler.greedy = true;
  const auto result = generate(*m.model, ids, options, m.tokenizer.get());
  const auto text = m.tokenizer->decode(result.tokens);
  EXPECT_NE(text.find("Paris"), std::string::npos) << "continuation: '" << text << "'";
}
