// Linearizing works on every decoder family, not only Llama: hybrid attention replaces each
// family's softmax (biases, sliding windows and learned positions included), trains, saves,
// and reloads onto a freshly loaded base to bit-identical logits. The bases are the
// transformers-made oracle checkpoints (../shared/oracle); the data are random token ids.
#include <gtest/gtest.h>

#include "linearize_test_support.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/transforms/linearize/attention_transfer.h"
#include "subq/transforms/linearize/hidden_state_cache.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/transforms/linearize/merged_checkpoint.h"
#include "subq/transforms/open_model.h"
#include "subq/util/atomic_file.h"
#include "support/test_support.h"

namespace subq::transforms {
namespace {

models::LoadedLlama load_base(const std::filesystem::path& dir) {
  models::LlamaLoadOptions options;
  options.need_tokenizer = false;
  return models::load_llama(dir, options);
}

data::PackedChunks random_chunks(int64_t docs, int64_t length, int64_t vocab, int64_t seq_len) {
  std::vector<data::TokenizedDocument> out;
  for (int64_t d = 0; d < docs; ++d) {
    const auto ids = torch::randint(vocab, {length}, torch::kInt);
    data::TokenizedDocument doc;
    doc.ids.assign(ids.data_ptr<int32_t>(), ids.data_ptr<int32_t>() + length);
    doc.trained.assign(length, true);
    out.push_back(std::move(doc));
  }
  return data::PackedChunks(out, seq_len);
}

class LinearizeFamilies : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Progress::set_quiet(true);
    torch::manual_seed(0);
  }
  train::ProcessGroup single;
};

TEST_P(LinearizeFamilies, TrainsSavesAndReloadsToIdenticalLogits) {
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam());
  test::TempDir out;
  auto base = load_base(dir);
  auto options = test::tiny_linearize_options();
  options.seq_len = 32;  // GPT-2's fixture has 128 learned positions
  LinearizeData data{random_chunks(24, 40, base.config().vocab_size, options.seq_len),
                     random_chunks(4, 40, base.config().vocab_size, options.seq_len)};
  LinearizedAttentions attentions{nullptr};
  auto summary = linearize(base, data, options, single, out.path(), attentions);
  ASSERT_TRUE(summary.finished);
  EXPECT_TRUE(summary.transfer.ran);
  save_linearized(out.path(), base, *attentions, summary.to_json());

  auto reloaded = load_base(dir);
  apply_linearized(out.path(), reloaded);
  EXPECT_EQ(reloaded.config().family, base.config().family);
  auto plain = load_base(dir);
  const auto tokens = data.val.slice(0, 2).input_ids;
  torch::NoGradGuard g;
  const auto actual = reloaded.model->forward(tokens);
  EXPECT_TRUE(torch::equal(base.model->forward(tokens), actual));
  EXPECT_FALSE(torch::allclose(plain.model->forward(tokens), actual, 1e-4, 1e-4));
  // Decoding through the hybrid state gives the full pass's last logits.
  auto memory = reloaded.model->new_memory(1);
  const auto one = tokens.slice(0, 0, 1);
  const auto last = reloaded.model->prefill(one, memory);
  EXPECT_LT((last - actual.slice(0, 0, 1).select(1, one.size(1) - 1)).abs().max().item<double>(), 1e-4);
  // The linearize output opens on its own (its manifest names the base).
  models::LlamaLoadOptions no_tokenizer;
  no_tokenizer.need_tokenizer = false;
  auto opened = open_model(out.path(), no_tokenizer);
  EXPECT_EQ(opened.artifact, "linearized");
  EXPECT_TRUE(torch::equal(opened.model->forward(tokens), actual));

  // `subq export` merges it into one directory that reloads to the same logits, and whose
  // config.json carries the family's own transformers keys.
  test::TempDir exported;
  const auto tokenizer = out.path() / "tokenizer.json";  // the fixtures have none; any file is copied as is
  write_text_atomically(tokenizer, "{}");
  export_merged_checkpoint(reloaded, exported / "model", {{"test", GetParam()}}, tokenizer);
  ASSERT_TRUE(std::filesystem::exists(exported / "model" / "tokenizer.json"));
  std::filesystem::remove(exported / "model" / "tokenizer.json");  // not a real tokenizer
  auto merged = open_model(exported / "model", no_tokenizer);
  EXPECT_EQ(merged.artifact, "exported");
  EXPECT_EQ(merged.config().family, base.config().family);
  EXPECT_EQ(merged.config().sliding_window, base.config().sliding_window);
  EXPECT_LT((merged.model->forward(tokens) - actual).abs().max().item<double>(), 1e-4);
  EXPECT_EQ(io::hf_model_type(exported / "model"), io::hf_model_type(dir));
}

TEST_P(LinearizeFamilies, CachedHiddenStatesAreTheLayerInputs) {
  // Block-wise transfer trains each layer on cached inputs: the last layer's, pushed through
  // it and the head, must give the model's logits (learned positions included, GPT-2).
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam());
  auto base = load_base(dir);
  auto& model = *base.model;
  const auto chunks = random_chunks(3, 40, base.config().vocab_size, 32);
  test::TempDir cache_dir;
  HiddenStateCache::build(model, chunks, cache_dir / "c", 2);
  const HiddenStateCache cache(cache_dir / "c");
  torch::NoGradGuard g;
  const std::vector<int64_t> rows{0, 1};
  const auto last = cache.layers() - 1;
  const auto h = model.layers[last]->forward(cache.read(last, rows), nullptr);
  const auto expected = model.forward(chunks.gather(rows).input_ids);
  EXPECT_LT((model.logits(model.norm->forward(h)) - expected).abs().max().item<double>(), 1e-4);
  // The all-layers transfer loss sees the same inputs: it is the mean of the per-layer losses
  // on the cached states.
  LinearizedAttentions students(base.config(), test::tiny_linearize_options().attention);
  double layer_sum = 0;
  for (int64_t i = 0; i < cache.layers(); ++i) {
    const auto ls = layer_transfer_loss(*model.layers[i], *students->layer(i), cache.read(i, rows));
    layer_sum += ls.sum.item<double>() / ls.count;
  }
  const auto all = attention_transfer_loss(model, *students, chunks.gather(rows).input_ids);
  EXPECT_NEAR(layer_sum / cache.layers(), all.sum.item<double>() / all.count, 1e-4 * layer_sum);
}

INSTANTIATE_TEST_SUITE_P(Oracle, LinearizeFamilies,
                         ::testing::Values("llama3_rope_scaling", "mistral_sliding_window", "qwen2", "gpt2"));

}  // namespace
}  // namespace subq::transforms
