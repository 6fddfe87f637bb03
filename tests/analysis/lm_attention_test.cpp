// Language-model attention capture on the real stories260K model: the captured weights times
// the values reproduce what the model's own attention kind computes (GQA grouping, causal
// mask, scaling), rows are causal distributions, and `subq attention` writes its report.
#include <nlohmann/json.hpp>

#include "subq/analysis/lm_attention.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::analysis {
namespace {

TEST(LmAttention, CapturedWeightsReproduceTheModelsAttention) {
  SUBQ_REQUIRE_SHARED(path, "models/stories260K/stories260K.gguf");
  auto loaded = models::load_llama(path);
  const auto ids = loaded.tokenizer->encode("Once upon a time, there was a cat.", true);
  const auto tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64);
  std::vector<std::string> texts;
  for (auto id : ids) texts.push_back(loaded.tokenizer->token_text(id));
  const auto captured = capture_lm_attention(*loaded.model, tokens, texts);
  auto& model = *loaded.model;
  ASSERT_EQ(captured.weights.size(), model.layers.size());
  const int64_t L = tokens.size(0);
  torch::NoGradGuard no_grad;
  auto h = model.embedding->forward(tokens.unsqueeze(0));
  for (size_t l = 0; l < model.layers.size(); ++l) {
    auto& block = model.layers[l];
    const auto& w = captured.weights[l];
    ASSERT_EQ(w.sizes(), (std::vector<int64_t>{block->attn->n_heads, L, L}));
    EXPECT_TRUE(torch::allclose(w.sum(-1), torch::ones({w.size(0), L}), 1e-5, 1e-6));
    EXPECT_EQ(w.triu(1).abs().max().item<float>(), 0.0f);  // nothing from the future
    const auto [q, k, v] = block->attn->project_qkv(block->attn_norm->forward(h), 0);
    const auto expected = block->attn->kind->forward(q, k, v, nullptr)[0];
    EXPECT_TRUE(torch::allclose(torch::matmul(w, captured.values[l]), expected, 1e-4, 1e-5)) << "layer " << l;
    h = block->forward(h, nullptr);
  }
  const auto stats = lm_attention_statistics(captured);
  EXPECT_EQ(stats[0].heads[0].rows(), L - 1);
  EXPECT_EQ(stats[0].heads[0].weights(), L * (L + 1) / 2 - 1);  // rows 1..L-1 over keys 0..i
  for (const auto& layer : first_token_attention(captured))
    for (double x : layer) EXPECT_TRUE(x >= 0 && x <= 1);
  EXPECT_THROW(capture_lm_attention(model, tokens.narrow(0, 0, 1), {texts[0]}), Error);
}

TEST(LmAttention, CommandWritesTheReport) {
  SUBQ_REQUIRE_SHARED(path, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  test::TempDir dir;
  std::string log;
  const std::string base = test::subq_binary() + " attention --model " + path.string() + " --threads 1 --out " +
                           (dir / "report").string();
  ASSERT_EQ(test::run_command("{ " + base + " --prompt 'Once upon a time' --json > " + (dir / "s.json").string() + "; }",
                              &log), 0) << log;
  const auto summary = nlohmann::json::parse(read_file(dir / "s.json"));
  ASSERT_EQ(summary["layers"].size(), 5u);
  EXPECT_EQ(summary["layers"][0]["heads"].size(), 8u);
  const auto html = read_file(dir / "report" / "report.html");
  size_t images = 0;
  for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos; at = html.find("data:image/png;base64,", at + 1)) ++images;
  EXPECT_EQ(images, 2u + 2u * 5u + 5u * 8u);  // overview maps, histograms, one map per head
  const auto full = nlohmann::json::parse(read_file(dir / "report" / "attention.json"));
  const auto n = summary["tokens"].size();
  EXPECT_EQ(full["layers"][4]["heads"][7]["weights"].size(), n);
  // A prompt over --max-tokens is refused before anything is written.
  EXPECT_NE(test::run_command(base + "2 --prompt 'Once upon a time there was' --max-tokens 3", &log), 0);
  EXPECT_NE(log.find("--max-tokens"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir / "report2"));

  // A `subq compress` output loads like any model (its base with the low-rank layers swapped
  // in); its attention differs from the base's because q/k are now rank-limited.
  ASSERT_EQ(test::run_command(test::subq_binary() + " compress --model " + path.string() + " --data " +
                                  text.string() +
                                  " --method svd --layers attn --target 0.5 --threads 1 --out " +
                                  (dir / "compressed").string() + " > /dev/null",
                              &log), 0) << log;
  ASSERT_EQ(test::run_command("{ " + test::subq_binary() + " attention --model " + (dir / "compressed").string() +
                                  " --threads 1 --prompt 'Once upon a time' --json --out " + (dir / "report3").string() +
                                  " > " + (dir / "c.json").string() + "; }",
                              &log), 0) << log;
  const auto compressed = nlohmann::json::parse(read_file(dir / "c.json"));
  ASSERT_EQ(compressed["layers"].size(), 5u);
  EXPECT_NE(compressed["layers"][0]["heads"][0]["mean_row_entropy"].get<double>(),
            summary["layers"][0]["heads"][0]["mean_row_entropy"].get<double>());
}

}  // namespace
}  // namespace subq::analysis
