// Block-wise attention transfer (hidden_state_cache.h): the cached hidden states are exactly
// the teacher's, the per-layer losses add up to the all-layers loss, and a block-wise run
// lowers every layer's attention error and cleans up its cache.
#include <gtest/gtest.h>

#include "linearize_test_support.h"
#include "subq/transforms/linearize/attention_transfer.h"
#include "subq/transforms/linearize/hidden_state_cache.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::transforms {
namespace {

constexpr const char* kModel = "models/stories260K/stories260K.gguf";
constexpr const char* kText = "data/text/tinystories_val_first1000_eot.txt";

class BlockwiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    torch::manual_seed(0);
  }
};

TEST_F(BlockwiseTest, CacheHoldsTheTeachersHiddenStatesAndLayerLossesAddUp) {
  SUBQ_REQUIRE_SHARED(model_path, kModel);
  SUBQ_REQUIRE_SHARED(text, kText);
  auto base = models::load_llama(model_path);
  auto& model = *base.model;
  auto data = test::tiny_stories_chunks(text, *base.tokenizer, 64, "201-210", "1-3");
  test::TempDir dir;
  HiddenStateCache::build(model, data.train, dir / "train", 3);
  const HiddenStateCache cache(dir / "train");
  ASSERT_EQ(cache.layers(), static_cast<int64_t>(model.layers.size()));
  ASSERT_EQ(cache.chunks(), data.train.size());

  // The first cached batch (chunks 0-2), recomputed with the same batching: bit-identical.
  const std::vector<int64_t> chunks{0, 1, 2};
  torch::NoGradGuard no_grad;
  auto h = model.embedding->forward(data.train.gather(chunks).input_ids);
  LinearizedAttentions students(base.config(), test::tiny_linearize_options().attention);
  double layer_sum = 0;
  for (int64_t i = 0; i < cache.layers(); ++i) {
    EXPECT_TRUE(torch::equal(cache.read(i, chunks), h)) << "layer " << i;
    EXPECT_TRUE(torch::equal(cache.read(i, {2, 0}), h.index_select(0, torch::tensor({2, 0}))));
    const auto ls = layer_transfer_loss(*model.layers[i], *students->layer(i), h);
    layer_sum += ls.sum.item<double>() / ls.count;
    h = model.layers[i]->forward(h, nullptr);
  }
  const auto all = attention_transfer_loss(model, *students, data.train.gather(chunks).input_ids);
  EXPECT_NEAR(layer_sum / cache.layers(), all.sum.item<double>() / all.count, 1e-4 * layer_sum);

  std::filesystem::resize_file(dir / "train" / "layer1.f32", 100);
  EXPECT_THROW(HiddenStateCache(dir / "train"), Error);  // truncated file: a clear error
}

TEST_F(BlockwiseTest, BlockwiseRunLowersEveryLayersErrorAndRemovesItsCache) {
  SUBQ_REQUIRE_SHARED(model_path, kModel);
  SUBQ_REQUIRE_SHARED(text, kText);
  auto base = models::load_llama(model_path);  // linearize() freezes it
  auto data = test::tiny_stories_chunks(text, *base.tokenizer, 64, "201-230", "1-10");
  auto options = test::tiny_linearize_options();
  options.blockwise = true;
  options.lora_stage = false;
  const auto batch = data.val.slice(0, 2).input_ids;
  auto layer_errors = [&](LinearizedAttentionsImpl& students) {
    torch::NoGradGuard no_grad;
    std::vector<double> out;
    auto h = base.model->embedding->forward(batch);
    for (size_t i = 0; i < students.size(); ++i) {
      const auto ls = layer_transfer_loss(*base.model->layers[i], *students.layer(i), h);
      out.push_back(ls.sum.item<double>() / ls.count);
      h = base.model->layers[i]->forward(h, nullptr);
    }
    return out;
  };
  torch::manual_seed(options.seed);
  LinearizedAttentions fresh(base.config(), options.attention);
  const auto before = layer_errors(*fresh);
  test::TempDir dir;
  train::ProcessGroup single;
  LinearizedAttentions trained{nullptr};
  const auto summary = linearize(base, data, options, single, dir.path(), trained, -1);
  ASSERT_TRUE(summary.finished);
  EXPECT_EQ(summary.transfer.result.progress.step, options.transfer.steps * static_cast<int64_t>(before.size()));
  EXPECT_FALSE(std::filesystem::exists(dir / "hidden_states"));
  // linearize() installed the new attention in the model; measure it against the softmax.
  auto teacher = models::load_llama(model_path);
  base.model = teacher.model;
  const auto after = layer_errors(*trained);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_LT(after[i], before[i]) << "layer " << i;

  // No gradient crosses layers and AdamW is per parameter, so training the layers one after
  // another on the same batches gives the parameters of the all-layers run (up to float32
  // rounding and AdamW eps, whose relative weight changes with the 1/layers loss scale).
  auto joint_base = models::load_llama(model_path);
  options.blockwise = false;
  test::TempDir joint_dir;
  LinearizedAttentions joint{nullptr};
  ASSERT_TRUE(linearize(joint_base, data, options, single, joint_dir.path(), joint, -1).finished);
  const auto a = trained->named_parameters(), b = joint->named_parameters();
  for (const auto& item : a)
    EXPECT_TRUE(torch::allclose(item.value(), b[item.key()], 1e-4, 1e-4))  // float32 + Adam eps; training moves them ~4e-2
        << item.key() << " max diff " << (item.value() - b[item.key()]).abs().max().item<double>()
        << " of max " << item.value().abs().max().item<double>();
}

// Separate processes per block (--layers): each trains its range from the shared cache and
// stops short of LoRA; a final run over all layers resumes them from their checkpoints and
// ends with the parameters of a single block-wise run, bit for bit.
TEST_F(BlockwiseTest, LayerRangesInSeparateRunsGiveTheSingleRunsParameters) {
  SUBQ_REQUIRE_SHARED(model_path, kModel);
  SUBQ_REQUIRE_SHARED(text, kText);
  auto options = test::tiny_linearize_options();
  options.blockwise = true;
  options.lora_stage = false;
  train::ProcessGroup single;
  auto data = [&](models::LoadedLlama& base) {
    return test::tiny_stories_chunks(text, *base.tokenizer, 64, "201-220", "1-6");
  };
  auto run = [&](const std::filesystem::path& dir, int64_t first, int64_t last, LinearizedAttentions* out) {
    auto base = models::load_llama(model_path);  // a fresh "process"
    options.first_layer = first;
    options.last_layer = last;
    LinearizedAttentions trained{nullptr};
    const auto summary = linearize(base, data(base), options, single, dir, trained, -1);
    if (out) *out = trained;
    return summary;
  };
  test::TempDir single_dir, split_dir;
  LinearizedAttentions reference{nullptr}, split{nullptr};
  ASSERT_TRUE(run(single_dir.path(), 0, -1, &reference).finished);

  const auto n_layers = static_cast<int64_t>(reference->size());
  ASSERT_GE(n_layers, 2);
  const auto low = run(split_dir.path(), 0, 0, nullptr);
  EXPECT_FALSE(low.finished);
  EXPECT_TRUE(low.transfer.partial);
  EXPECT_EQ(low.transfer.result.progress.step, options.transfer.steps);
  EXPECT_TRUE(std::filesystem::exists(split_dir / "hidden_states"));  // kept for the other ranges
  EXPECT_TRUE(run(split_dir.path(), 1, n_layers - 1, nullptr).transfer.partial);  // layer 0 is not its job
  const auto final_run = run(split_dir.path(), 0, -1, &split);
  ASSERT_TRUE(final_run.finished);
  EXPECT_FALSE(std::filesystem::exists(split_dir / "hidden_states"));
  const auto a = split->named_parameters(), b = reference->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();

  options.first_layer = n_layers;  // out of range: a clear error
  auto base = models::load_llama(model_path);
  LinearizedAttentions unused{nullptr};
  EXPECT_THROW(linearize(base, data(base), options, single, split_dir.path(), unused, -1), Error);
}

}  // namespace
}  // namespace subq::transforms
