// Loader errors: missing or mis-shaped tensors, unknown formats.
#include <gtest/gtest.h>

#include <fstream>

#include "subq/io/gguf_writer.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/util/error.h"
#include "support/test_support.h"
#include "tiny_llama.h"

using namespace subq;
using namespace subq::models;

namespace {

LlamaConfig small_config() { return test::tiny_llama_config(/*tied=*/true); }

// Tensors of the right shape under GGUF names, from a reference model.
std::map<std::string, torch::Tensor> gguf_tensors(LlamaModelImpl& model) {
  std::map<std::string, torch::Tensor> out;
  auto params = model.named_parameters();
  for (const auto& [gguf, ours] : llama_tensor_names(model.config())) out[gguf] = params[ours].detach().clone();
  return out;
}

std::string load_error(LlamaModelImpl& model, const std::map<std::string, torch::Tensor>& tensors) {
  try {
    load_llama_weights(model, [&](const std::string& n) {
      auto it = tensors.find(n);
      return it == tensors.end() ? torch::Tensor() : it->second;
    }, "model.gguf");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A GGUF file holding `model` (no tokenizer), with `override` replacing some tensors.
void write_gguf(LlamaModelImpl& model, const std::filesystem::path& path,
                const std::map<std::string, torch::Tensor>& override = {}) {
  using T = io::GgufValue::Type;
  const auto& c = model.config();
  io::GgufWriter w;
  w.set("general.architecture", io::GgufValue::string("llama"));
  w.set("llama.embedding_length", io::GgufValue::uint(T::UINT32, c.dim));
  w.set("llama.feed_forward_length", io::GgufValue::uint(T::UINT32, c.hidden_dim));
  w.set("llama.block_count", io::GgufValue::uint(T::UINT32, c.n_layers));
  w.set("llama.attention.head_count", io::GgufValue::uint(T::UINT32, c.n_heads));
  w.set("llama.attention.head_count_kv", io::GgufValue::uint(T::UINT32, c.n_kv_heads));
  w.set("llama.context_length", io::GgufValue::uint(T::UINT32, c.max_seq_len));
  w.set("llama.rope.freq_base", io::GgufValue::real(T::FLOAT32, 5000.0));
  w.set("llama.attention.layer_norm_rms_epsilon", io::GgufValue::real(T::FLOAT32, 1.0 / 1024));
  for (auto [name, t] : gguf_tensors(model)) {
    if (override.count(name)) t = override.at(name);
    w.add_tensor(name, t);
  }
  w.write(path);
}

}  // namespace

TEST(LlamaLoader, GgufRoundTripGivesTheSameLogitsAndConfig) {
  torch::manual_seed(3);
  auto config = small_config();
  config.rope_theta = 5000.0;
  config.norm_eps = 1.0 / 1024;  // exact in GGUF's float32
  config.tied_output = false;
  LlamaModel model(config);
  test::TempDir dir;
  write_gguf(*model, dir / "m.gguf");
  LlamaLoadOptions options;
  options.need_tokenizer = false;
  auto loaded = load_llama(dir / "m.gguf", options);
  EXPECT_EQ(loaded.format, "gguf");
  EXPECT_EQ(loaded.config().to_json(), config.to_json());
  c10::InferenceMode im;
  auto tokens = torch::randint(config.vocab_size, {2, 9}, torch::kLong);
  EXPECT_TRUE(torch::equal(loaded.model->forward(tokens), model->forward(tokens)));
}

TEST(LlamaLoader, GgufWithAMisShapedTensorNamesFileAndTensor) {
  LlamaModel model(small_config());
  test::TempDir dir;
  write_gguf(*model, dir / "bad.gguf", {{"blk.1.ffn_down.weight", torch::zeros({32, 20})}});
  LlamaLoadOptions options;
  options.need_tokenizer = false;
  try {
    load_llama(dir / "bad.gguf", options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad.gguf"), std::string::npos) << m;
    EXPECT_NE(m.find("blk.1.ffn_down.weight"), std::string::npos) << m;
  }
}

TEST(LlamaLoader, CopiesEveryTensorIntoTheModel) {
  torch::manual_seed(0);
  LlamaModel source(small_config()), target(small_config());
  EXPECT_EQ(load_error(*target, gguf_tensors(*source)), "");
  auto t = target->named_parameters();
  for (const auto& p : source->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), t[p.key()])) << p.key();
}

TEST(LlamaLoader, WrongShapeNamesFileAndTensor) {
  LlamaModel model(small_config());
  auto tensors = gguf_tensors(*model);
  tensors["blk.1.attn_k.weight"] = torch::zeros({32, 32});
  const auto message = load_error(*model, tensors);
  EXPECT_NE(message.find("model.gguf"), std::string::npos) << message;
  EXPECT_NE(message.find("blk.1.attn_k.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("[32, 32]"), std::string::npos) << message;
}

TEST(LlamaLoader, MissingAndNonFiniteTensorsAreNamed) {
  LlamaModel model(small_config());
  auto tensors = gguf_tensors(*model);
  tensors.erase("blk.0.ffn_up.weight");
  EXPECT_NE(load_error(*model, tensors).find("missing tensor 'blk.0.ffn_up.weight'"), std::string::npos);
  tensors = gguf_tensors(*model);
  tensors["output_norm.weight"][3] = NAN;
  EXPECT_NE(load_error(*model, tensors).find("output_norm.weight"), std::string::npos);
}

TEST(LlamaLoader, UnknownFormatIsAClearError) {
  test::TempDir dir;
  std::ofstream(dir / "weights.xyz") << "not a model";
  try {
    load_llama(dir / "weights.xyz");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weights.xyz"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_llama(dir / "absent.gguf"), Error);
}
