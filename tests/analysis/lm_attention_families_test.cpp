// `subq attention` on every decoder family: on the transformers-made oracle checkpoints
// (../shared/oracle) the captured weights times the values reproduce each family's own
// attention — q/k/v biases (qwen2, gpt2), rope scaling (llama3), learned positions (gpt2) and
// Mistral's sliding window, where a query must give no weight to keys W or more behind it.
#include "subq/analysis/lm_attention.h"
#include "subq/models/llama/llama_loader.h"
#include "support/test_support.h"

namespace subq::analysis {
namespace {

class LmAttentionFamilies : public ::testing::TestWithParam<const char*> {};

TEST_P(LmAttentionFamilies, CapturedWeightsReproduceTheFamilysAttention) {
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam());
  models::LlamaLoadOptions options;
  options.need_tokenizer = false;
  auto loaded = models::load_llama(dir, options);
  auto& model = *loaded.model;
  torch::manual_seed(1);
  const int64_t L = 24;
  const auto tokens = torch::randint(loaded.config().vocab_size, {L}, torch::kInt64);
  std::vector<std::string> texts;
  for (int64_t i = 0; i < L; ++i) texts.push_back("t" + std::to_string(i));
  const auto captured = capture_lm_attention(model, tokens, texts);
  ASSERT_EQ(captured.weights.size(), model.layers.size());
  torch::NoGradGuard no_grad;
  // The layer input, built here rather than by the model's embed(): learned positions too.
  auto h = model.embedding->forward(tokens.unsqueeze(0));
  if (model.positions) h = h + model.positions->forward(torch::arange(L)).unsqueeze(0);
  const int64_t window = loaded.config().sliding_window;
  for (size_t l = 0; l < model.layers.size(); ++l) {
    auto& block = model.layers[l];
    const auto& w = captured.weights[l];
    EXPECT_TRUE(torch::allclose(w.sum(-1), torch::ones({w.size(0), L}), 1e-5, 1e-6));
    EXPECT_EQ(w.triu(1).abs().max().item<float>(), 0.0f);
    if (window > 0) {
      ASSERT_LT(window, L) << "the fixture's window must be shorter than the prompt";
      EXPECT_EQ(w.tril(-window).abs().max().item<float>(), 0.0f) << "layer " << l;
      EXPECT_GT(w.tril(-(window - 1)).abs().max().item<float>(), 0.0f) << "layer " << l;
    }
    const auto [q, k, v] = block->attn->project_qkv(block->attn_norm->forward(h), 0);
    const auto expected = block->attn->kind->forward(q, k, v, nullptr)[0];
    EXPECT_TRUE(torch::allclose(torch::matmul(w, captured.values[l]), expected, 1e-4, 1e-5)) << "layer " << l;
    h = block->forward(h, nullptr);
  }
  // The walk above is the model's own forward pass: its final states give the model's logits.
  EXPECT_TRUE(torch::allclose(model.logits(model.norm->forward(h)), model.forward(tokens.unsqueeze(0)),
                              1e-4, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Oracle, LmAttentionFamilies,
                         ::testing::Values("llama", "llama3_rope_scaling", "mistral_sliding_window", "qwen2", "gpt2"));

}  // namespace
}  // namespace subq::analysis
