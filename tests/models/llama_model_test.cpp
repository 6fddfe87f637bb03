// LlamaModel on random weights: cached decode vs full forward, batched vs separate
// prefill, right padding, the two RoPE layouts, for_each_linear, and logits against an
// independent PyTorch reference (tests/models/llama_reference.py).
#include <gtest/gtest.h>

#include <fstream>

#include "subq/models/llama/llama_model.h"
#include "subq/io/module_io.h"
#include "support/test_support.h"
#include "tiny_llama.h"

using namespace subq;
using namespace subq::models;

namespace {

LlamaConfig tiny_config(bool tied) { return test::tiny_llama_config(tied); }

LlamaModel random_model(bool tied, uint64_t seed = 0) {
  return test::random_llama(tiny_config(tied), seed);
}

torch::Tensor random_tokens(int64_t B, int64_t L, int64_t vocab, uint64_t seed = 1) {
  torch::manual_seed(seed);
  return torch::randint(vocab, {B, L}, torch::kLong);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace

TEST(LlamaModel, CachedDecodeEqualsFullForwardAtSeveralLengths) {
  auto model = random_model(/*tied=*/true);
  c10::InferenceMode im;
  const auto tokens = random_tokens(1, 40, 61);
  const auto full = model->forward(tokens);  // (1, 40, V)
  for (int64_t prompt : {1, 5, 17}) {
    auto memory = model->new_memory(1);
    auto logits = model->prefill(tokens.narrow(1, 0, prompt), memory, /*chunk=*/4);
    EXPECT_LT(max_diff(logits[0], full[0][prompt - 1]), 1e-4) << "prompt " << prompt;
    for (int64_t pos = prompt; pos < 40; ++pos) {
      logits = model->decode(tokens.select(1, pos), memory);
      ASSERT_LT(max_diff(logits[0], full[0][pos]), 1e-4) << "prompt " << prompt << " pos " << pos;
    }
    EXPECT_EQ(memory.position(), 40);
  }
}

TEST(LlamaModel, BatchedPrefillAndDecodeEqualSeparateRuns) {
  auto model = random_model(/*tied=*/false);
  c10::InferenceMode im;
  const auto tokens = random_tokens(2, 12, 61, 7);
  auto both = model->new_memory(2);
  auto batched = model->prefill(tokens.narrow(1, 0, 9), both);
  auto batched_next = model->decode(tokens.select(1, 9), both);
  for (int64_t b = 0; b < 2; ++b) {
    auto one = model->new_memory(1);
    auto alone = model->prefill(tokens.narrow(0, b, 1).narrow(1, 0, 9), one);
    auto alone_next = model->decode(tokens.narrow(0, b, 1).select(1, 9), one);
    EXPECT_LT(max_diff(batched[b], alone[0]), 1e-4);
    EXPECT_LT(max_diff(batched_next[b], alone_next[0]), 1e-4);
  }
}

TEST(LlamaModel, RightPaddingDoesNotChangeRealPositions) {
  auto model = random_model(/*tied=*/true);
  c10::InferenceMode im;
  auto tokens = random_tokens(2, 10, 61, 3);
  auto padded = tokens.clone();
  padded[1].narrow(0, 6, 4).fill_(0);
  const auto out = model->forward(padded);
  const auto short_alone = model->forward(tokens.narrow(0, 1, 1).narrow(1, 0, 6));
  EXPECT_LT(max_diff(out[1].narrow(0, 0, 6), short_alone[0]), 1e-4);
}

TEST(LlamaModel, HalfRopeWithPermutedWeightsEqualsInterleaved) {
  // The same network stored in Hugging Face layout (q/k rows permuted, rotate-half RoPE)
  // must give the same logits: this is the GGUF <-> HF conversion in reverse.
  auto inter = random_model(/*tied=*/true);
  auto config = inter->config();
  config.rope_style = nn::RopeStyle::Half;
  LlamaModel half(config);
  const int64_t d = config.head_dim;
  std::vector<int64_t> perm;  // half-layout row j of each head <- interleaved row perm[j]
  for (int64_t j = 0; j < d; ++j) perm.push_back(j < d / 2 ? 2 * j : 2 * (j - d / 2) + 1);
  auto half_params = half->named_parameters();
  torch::NoGradGuard g;
  for (auto& p : inter->named_parameters()) {
    auto w = p.value();
    const bool qk = p.key().find("q_proj") != std::string::npos || p.key().find("k_proj") != std::string::npos;
    if (qk) {
      auto heads = w.view({-1, d, w.size(1)});
      w = heads.index_select(1, torch::tensor(perm)).reshape(w.sizes());
    }
    half_params[p.key()].copy_(w);
  }
  c10::InferenceMode im;
  const auto tokens = random_tokens(1, 15, 61);
  EXPECT_LT(max_diff(half->forward(tokens), inter->forward(tokens)), 1e-4);
}

TEST(LlamaModel, ForEachLinearListsEveryProjectionWithItsPath) {
  auto untied = random_model(false), tied = random_model(true);
  std::vector<std::string> paths;
  untied->for_each_linear([&](const nn::LinearRef& ref) { paths.push_back(ref.path); });
  ASSERT_EQ(paths.size(), 2u * 7u + 1u);
  EXPECT_EQ(paths[0], "layers.0.attn.q_proj");
  EXPECT_EQ(paths[6], "layers.0.mlp.down_proj");
  EXPECT_EQ(paths[7], "layers.1.attn.q_proj");
  EXPECT_EQ(paths.back(), "output");
  int64_t count = 0;
  tied->for_each_linear([&](const nn::LinearRef&) { ++count; });
  EXPECT_EQ(count, 14);
  // Replacing a slot changes what forward computes.
  c10::InferenceMode im;
  const auto tokens = random_tokens(1, 5, 61);
  const auto before = tied->forward(tokens);
  tied->for_each_linear([&](const nn::LinearRef& ref) {
    if (ref.path == "layers.1.mlp.down_proj")
      nn::replace_linear(ref, std::make_shared<nn::DenseLinear>(torch::zeros({32, 48})));
  });
  EXPECT_GT(max_diff(tied->forward(tokens), before), 1e-3);
}

TEST(LlamaModel, ConfigRoundTripsThroughJson) {
  auto c = tiny_config(false);
  c.attention[1].kind = "hybrid";
  c.rope_style = nn::RopeStyle::Half;
  auto back = LlamaConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.attention[1].kind, "hybrid");
}

TEST(LlamaModel, LogitsMatchIndependentPyTorchReference) {
  const std::string python = "/usr/bin/python3";
  if (test::run_command(python + " -c 'import torch'") != 0)
    GTEST_SKIP() << "needs Debian's python3-torch at /usr/bin/python3";
  for (bool tied : {true, false}) {
    auto model = random_model(tied, tied ? 11 : 12);
    test::TempDir dir;
    io::save_module(*model, dir / "weights.safetensors");
    std::ofstream(dir / "config.json") << model->config().to_json().dump();
    const auto tokens = random_tokens(2, 13, 61, 5);
    nlohmann::json ids = nlohmann::json::array();
    for (int64_t b = 0; b < 2; ++b) {
      std::vector<int64_t> row(tokens[b].data_ptr<int64_t>(), tokens[b].data_ptr<int64_t>() + 13);
      ids.push_back(row);
    }
    std::ofstream(dir / "tokens.json") << ids.dump();
    // SUBQ_TEST_DATA is tests/data; the script lives beside this test.
    const auto script = (std::filesystem::path(SUBQ_TEST_DATA).parent_path() / "models" / "llama_reference.py").string();
    std::string out;
    const int rc = test::run_command(python + " " + script + " " + (dir / "weights.safetensors").string() + " " +
                                         (dir / "config.json").string() + " " + (dir / "tokens.json").string() +
                                         " " + (dir / "logits.f32").string(),
                                     &out);
    ASSERT_EQ(rc, 0) << out;
    auto reference = torch::empty({2, 13, 61});
    std::ifstream in(dir / "logits.f32", std::ios::binary);
    in.read(reinterpret_cast<char*>(reference.data_ptr<float>()), reference.numel() * sizeof(float));
    ASSERT_TRUE(in.good());
    c10::InferenceMode im;
    EXPECT_LT(max_diff(model->forward(tokens), reference), 1e-4) << (tied ? "tied" : "untied");
  }
}
