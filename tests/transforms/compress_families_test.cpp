// Compression works on every decoder family: an SVD-truncated Qwen2 / GPT-2 / Mistral (the
// transformers-made oracle checkpoints in ../shared/oracle) is saved as a compressed
// checkpoint and reopens through the commands' entry (transforms::open_model) to the in-memory
// model's logits.
#include <gtest/gtest.h>

#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/transforms/compress/compressed_llama.h"
#include "subq/transforms/compress/svd_baselines.h"
#include "subq/transforms/open_model.h"
#include "subq/util/progress.h"
#include "support/test_support.h"

using namespace subq;

namespace {

class CompressFamilies : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { Progress::set_quiet(true); }
};

TEST_P(CompressFamilies, SvdCheckpointReloadsToTheSameLogits) {
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam());
  test::TempDir out;
  models::LlamaLoadOptions options;
  options.need_tokenizer = false;
  auto model = models::load_llama(dir, options);
  auto slots = compress::slots_of(*model.model);
  compress::CompressedManifest manifest;
  manifest.method = "svd";
  manifest.base_model = std::filesystem::absolute(dir).string();
  manifest.layers = "mlp";
  manifest.compressed = compress::truncate_uniform(slots, "mlp", 0.5);
  ASSERT_FALSE(manifest.compressed.empty());
  compress::save_compressed_checkpoint(out / "ckpt", slots, manifest);

  auto reloaded = transforms::open_model(out / "ckpt", options);
  EXPECT_EQ(reloaded.artifact, "compressed");
  auto plain = models::load_llama(dir, options);
  const auto tokens = torch::randint(model.config().vocab_size, {2, 20});
  torch::NoGradGuard no_grad;
  const auto want = model.model->forward(tokens);
  EXPECT_TRUE(torch::equal(reloaded.model->forward(tokens), want));
  EXPECT_FALSE(torch::allclose(plain.model->forward(tokens), want, 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Oracle, CompressFamilies, ::testing::Values("mistral_sliding_window", "qwen2", "gpt2"));

}  // namespace
