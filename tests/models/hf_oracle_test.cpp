// subq against an implementation someone else wrote: tiny random checkpoints saved by Hugging
// Face transformers 4.44.2 with the logits and greedy tokens it computed (../shared/oracle).
// Every decoder family must match the logits to 1e-4 and the greedy tokens exactly, through the
// full forward pass and through the KV-cache decode path; the checks also show that dropping
// a family's feature (RoPE scaling, the sliding window) would have failed them.
#include <gtest/gtest.h>

#include <fstream>

#include "subq/eval/logits.h"
#include "subq/io/gguf.h"
#include "subq/io/gguf_writer.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/io/npy.h"
#include "subq/io/safetensors.h"
#include "subq/models/families/decoder_family.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/util/error.h"
#include "subq/util/json_file.h"
#include "support/test_support.h"

using namespace subq;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  const char* dir;
  const char* family;
};
void PrintTo(const Fixture& f, std::ostream* os) { *os << f.dir; }  // readable ctest names

models::LoadedLlama load(const fs::path& path) {
  models::LlamaLoadOptions options;
  options.need_tokenizer = false;
  return models::load_llama(path, options);
}

std::vector<int64_t> input_ids(const fs::path& dir, int i) {
  return read_json_file(dir / "inputs.json")["input_ids"][i].get<std::vector<int64_t>>();
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Largest difference from transformers' logits over both input sequences.
double oracle_logit_diff(models::LlamaModelImpl& model, const fs::path& dir) {
  double worst = 0;
  for (int i = 0; i < 2; ++i) {
    const auto got = eval::full_logits(model, input_ids(dir, i));
    worst = std::max(worst, max_diff(got, io::read_npy(dir / ("logits_" + std::to_string(i) + ".npy"))));
  }
  return worst;
}

// A copy of an oracle directory whose config.json is edited by `edit`.
void copy_with_config(const fs::path& from, const fs::path& to, const std::function<void(nlohmann::json&)>& edit) {
  fs::create_directories(to);
  fs::copy_file(from / "model.safetensors", to / "model.safetensors");
  auto config = read_json_file(from / "config.json");
  edit(config);
  std::ofstream(to / "config.json") << config.dump(2);
}

std::string load_error(const fs::path& path) {
  try {
    load(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class HfOracle : public ::testing::TestWithParam<Fixture> {};

TEST_P(HfOracle, LogitsMatchTransformers) {
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam().dir);
  auto loaded = load(dir);
  EXPECT_EQ(loaded.config().family, GetParam().family);
  const double diff = oracle_logit_diff(*loaded.model, dir);
  std::cout << "[oracle] " << GetParam().dir << " (" << GetParam().family << "): max |logit diff| " << diff
            << "\n";
  EXPECT_LT(diff, 1e-4);
}

TEST_P(HfOracle, GreedyTokensMatchWithAndWithoutTheCache) {
  SUBQ_REQUIRE_SHARED(dir, std::string("oracle/") + GetParam().dir);
  auto loaded = load(dir);
  const auto expected = read_json_file(dir / "greedy.json")["new_tokens"].get<std::vector<int64_t>>();
  const auto expected_logits = io::read_npy(dir / "greedy_logits.npy");
  for (const bool use_memory : {true, false}) {
    const auto got = eval::greedy_decode(*loaded.model, input_ids(dir, 0), 12, use_memory);
    EXPECT_EQ(got.tokens, expected) << (use_memory ? "with" : "without") << " the KV cache";
    const double diff = max_diff(got.logits, expected_logits);
    std::cout << "[oracle] " << GetParam().dir << " greedy " << (use_memory ? "cached" : "uncached")
              << ": max |logit diff| " << diff << "\n";
    EXPECT_LT(diff, 1e-4) << (use_memory ? "with" : "without") << " the KV cache";
  }
}

INSTANTIATE_TEST_SUITE_P(Families, HfOracle,
                         ::testing::Values(Fixture{"llama", "llama"}, Fixture{"llama3_rope_scaling", "llama"},
                                           Fixture{"mistral_sliding_window", "mistral"},
                                           Fixture{"qwen2", "qwen2"}, Fixture{"gpt2", "gpt2"}),
                         [](const auto& info) { return std::string(info.param.dir); });

TEST(HfOracleFeatures, Llama3FrequenciesAreTransformersAndDroppingTheScalingFails) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/llama3_rope_scaling");
  const auto& c = load(dir).config();
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  const auto expected =
      torch::tensor(read_json_file(dir / "inputs.json")["rope"]["inv_freq_effective"].get<std::vector<double>>());
  const auto got = nn::rope_inv_frequencies(c.head_dim, c.rope_theta, c.rope_scaling);
  EXPECT_LT(max_diff(got, expected), 1e-7 * expected.abs().max().item<double>() + 1e-12);

  test::TempDir tmp;
  copy_with_config(dir, tmp / "plain", [](nlohmann::json& j) { j["rope_scaling"] = nullptr; });
  auto plain = load(tmp / "plain");
  const double diff = oracle_logit_diff(*plain.model, dir);
  std::cout << "[oracle] llama3 without rope_scaling: max |logit diff| " << diff << "\n";
  EXPECT_GT(diff, 1e-1);
}

TEST(HfOracleFeatures, DroppingMistralsSlidingWindowFails) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/mistral_sliding_window");
  EXPECT_EQ(load(dir).config().sliding_window, 8);
  test::TempDir tmp;
  copy_with_config(dir, tmp / "full", [](nlohmann::json& j) { j["sliding_window"] = nullptr; });
  auto full = load(tmp / "full");
  const double diff = oracle_logit_diff(*full.model, dir);
  std::cout << "[oracle] mistral without sliding_window: max |logit diff| " << diff << "\n";
  EXPECT_GT(diff, 1.0);
}

TEST(HfOracleFeatures, SlidingWindowCacheHoldsAtMostTwoWindows) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/mistral_sliding_window");
  auto loaded = load(dir);
  auto memory = loaded.model->new_memory(1);
  torch::NoGradGuard no_grad;
  loaded.model->prefill(torch::tensor(input_ids(dir, 0), torch::kLong).unsqueeze(0), memory);
  for (int i = 0; i < 30; ++i) loaded.model->decode(torch::tensor({int64_t{7}}), memory);
  EXPECT_EQ(memory.position(), 37 + 30);
  const auto& c = loaded.config();
  const int64_t per_position = 2 * c.n_kv_heads * c.head_dim * 4;  // k and v, float32
  EXPECT_LE(memory.bytes(), c.n_layers * 2 * c.sliding_window * per_position);
}

// GGUF files as llama.cpp's converter writes them, made from the oracle checkpoints: Qwen2 with
// q/k rows left in rotate-half order (NEOX), Llama 3 with rope_freqs.weight divisors.
void write_gguf(const fs::path& dir, const std::string& arch, bool permute_rows, const fs::path& out,
                const torch::Tensor& rope_freqs = {}) {
  using T = io::GgufValue::Type;
  const auto hf = io::load_hf_checkpoint(dir);
  const auto config = models::decoder_config_from_hf(hf.config, "config.json");
  io::GgufWriter w;
  w.set("general.architecture", io::GgufValue::string(arch));
  auto u32 = [&](const std::string& k, int64_t v) { w.set(arch + "." + k, io::GgufValue::uint(T::UINT32, v)); };
  u32("embedding_length", config.dim);
  u32("feed_forward_length", config.hidden_dim);
  u32("block_count", config.n_layers);
  u32("attention.head_count", config.n_heads);
  u32("attention.head_count_kv", config.n_kv_heads);
  u32("context_length", config.max_seq_len);
  w.set(arch + ".rope.freq_base", io::GgufValue::real(T::FLOAT32, config.rope_theta));
  w.set(arch + ".attention.layer_norm_rms_epsilon", io::GgufValue::real(T::FLOAT32, config.norm_eps));
  const auto tensors = permute_rows ? io::hf_llama_to_gguf(hf.tensors, hf.config) : [&] {
    io::TensorMap renamed;
    for (const auto& [name, t] : hf.tensors) renamed[io::hf_to_gguf_name(name)] = t;
    return renamed;
  }();
  for (const auto& [name, t] : tensors) w.add_tensor(name, t);
  if (rope_freqs.defined()) w.add_tensor("rope_freqs.weight", rope_freqs.to(torch::kFloat32));
  w.write(out);
}

TEST(HfOracleGguf, Qwen2GgufWithNeoxRowsMatchesTransformers) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/qwen2");
  test::TempDir tmp;
  write_gguf(dir, "qwen2", /*permute_rows=*/false, tmp / "qwen2.gguf");
  auto loaded = load(tmp / "qwen2.gguf");
  EXPECT_EQ(loaded.config().family, "qwen2");
  EXPECT_TRUE(loaded.config().qkv_bias);
  EXPECT_LT(oracle_logit_diff(*loaded.model, dir), 1e-4);
}

TEST(HfOracleGguf, Llama3GgufWithRopeFreqsMatchesTransformers) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/llama3_rope_scaling");
  const auto c = load(dir).config();
  const auto effective =
      torch::tensor(read_json_file(dir / "inputs.json")["rope"]["inv_freq_effective"].get<std::vector<double>>());
  nn::RopeScaling none;
  const auto divisors = nn::rope_inv_frequencies(c.head_dim, c.rope_theta, none) / effective;
  test::TempDir tmp;
  write_gguf(dir, "llama", /*permute_rows=*/true, tmp / "llama3.gguf", divisors);
  auto loaded = load(tmp / "llama3.gguf");
  EXPECT_EQ(loaded.config().rope_scaling.freq_factors.size(), static_cast<size_t>(c.head_dim / 2));
  EXPECT_LT(oracle_logit_diff(*loaded.model, dir), 1e-4);
}

TEST(HfOracleErrors, MismatchesAndUnknownKeysAreRefusedNamingTheFileAndKey) {
  SUBQ_REQUIRE_SHARED(qwen2, "oracle/qwen2");
  SUBQ_REQUIRE_SHARED(llama3, "oracle/llama3_rope_scaling");
  SUBQ_REQUIRE_SHARED(gpt2, "oracle/gpt2");
  test::TempDir tmp;

  // A Qwen2 checkpoint whose q bias is missing.
  fs::create_directories(tmp / "no_bias");
  fs::copy_file(qwen2 / "config.json", tmp / "no_bias" / "config.json");
  auto tensors = io::load_hf_checkpoint(qwen2).tensors;
  tensors.erase("model.layers.1.self_attn.q_proj.bias");
  io::save_safetensors(tmp / "no_bias" / "model.safetensors", tensors);
  auto e = load_error(tmp / "no_bias");
  EXPECT_NE(e.find("missing tensor 'blk.1.attn_q.bias'"), std::string::npos) << e;
  EXPECT_NE(e.find("no_bias"), std::string::npos) << e;

  copy_with_config(qwen2, tmp / "heads", [](nlohmann::json& j) { j["num_key_value_heads"] = 4; });
  e = load_error(tmp / "heads");
  EXPECT_NE(e.find("attn_k.weight' has shape"), std::string::npos) << e;

  copy_with_config(llama3, tmp / "yarn", [](nlohmann::json& j) { j["rope_scaling"]["rope_type"] = "yarn"; });
  e = load_error(tmp / "yarn");
  EXPECT_NE(e.find("rope_type 'yarn' is not implemented"), std::string::npos) << e;
  EXPECT_NE(e.find("config.json"), std::string::npos) << e;

  copy_with_config(llama3, tmp / "gemma", [](nlohmann::json& j) { j["model_type"] = "gemma2"; });
  e = load_error(tmp / "gemma");
  EXPECT_NE(e.find("model_type 'gemma2' is not a family"), std::string::npos) << e;

  copy_with_config(llama3, tmp / "softcap", [](nlohmann::json& j) { j["final_logit_softcapping"] = 30.0; });
  e = load_error(tmp / "softcap");
  EXPECT_NE(e.find("'final_logit_softcapping' = 30.0 is not implemented"), std::string::npos) << e;

  copy_with_config(qwen2, tmp / "qwen_window", [](nlohmann::json& j) { j["use_sliding_window"] = true; });
  e = load_error(tmp / "qwen_window");
  EXPECT_NE(e.find("'use_sliding_window' = true is not implemented"), std::string::npos) << e;

  copy_with_config(gpt2, tmp / "gelu", [](nlohmann::json& j) { j["activation_function"] = "relu"; });
  e = load_error(tmp / "gelu");
  EXPECT_NE(e.find("'activation_function' = 'relu'"), std::string::npos) << e;
}

}  // namespace

#include "subq/models/bert/bert_model.h"

namespace {

TEST(HfOracleBert, HiddenStatesAndPoolerMatchTransformers) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/bert");
  ASSERT_TRUE(models::is_bert_directory(dir));
  auto bert = models::load_bert(dir);
  torch::NoGradGuard no_grad;
  double worst_hidden = 0, worst_pooled = 0;
  for (int i = 0; i < 2; ++i) {
    const auto ids = torch::tensor(input_ids(dir, i), torch::kLong).unsqueeze(0);
    const auto hidden = bert->forward(ids);
    const auto n = std::to_string(i);
    worst_hidden = std::max(worst_hidden, max_diff(hidden[0], io::read_npy(dir / ("last_hidden_state_" + n + ".npy"))));
    worst_pooled = std::max(worst_pooled, max_diff(bert->pool(hidden)[0], io::read_npy(dir / ("pooler_output_" + n + ".npy"))));
  }
  std::cout << "[oracle] bert: max |hidden diff| " << worst_hidden << ", max |pooler diff| " << worst_pooled << "\n";
  EXPECT_LT(worst_hidden, 1e-4);
  EXPECT_LT(worst_pooled, 1e-4);
}

TEST(HfOracleBert, PaddingMaskLeavesRealTokensUnchanged) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/bert");
  auto bert = models::load_bert(dir);
  torch::NoGradGuard no_grad;
  const auto short_ids = input_ids(dir, 1);  // 23 tokens
  auto long_ids = input_ids(dir, 0);         // 37 tokens
  // Batch: sequence 1 right-padded to 37 with arbitrary ids, masked out.
  std::vector<int64_t> padded = short_ids;
  padded.resize(long_ids.size(), 5);
  const auto ids = torch::stack({torch::tensor(long_ids), torch::tensor(padded)});
  auto mask = torch::ones_like(ids);
  mask[1].narrow(0, short_ids.size(), long_ids.size() - short_ids.size()).zero_();
  const auto hidden = bert->forward(ids, {}, mask);
  const auto expected = io::read_npy(dir / "last_hidden_state_1.npy");
  EXPECT_LT(max_diff(hidden[1].narrow(0, 0, short_ids.size()), expected), 1e-4);
}

TEST(HfOracleBert, RelativePositionsAreRefused) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/bert");
  test::TempDir tmp;
  copy_with_config(dir, tmp / "rel", [](nlohmann::json& j) { j["position_embedding_type"] = "relative_key"; });
  try {
    models::load_bert(tmp / "rel");
    FAIL() << "relative positions were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'position_embedding_type' = 'relative_key'"), std::string::npos) << e.what();
  }
}

}  // namespace

#include "subq/models/mamba/mamba_model.h"

namespace {

TEST(HfOracleMamba, LogitsAndGreedyDecodeThroughTheStateMatchTransformers) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/mamba");
  ASSERT_TRUE(models::is_mamba_directory(dir));
  auto mamba = models::load_mamba(dir);
  torch::NoGradGuard no_grad;
  double worst = 0;
  for (int i = 0; i < 2; ++i) {
    const auto logits = mamba->forward(torch::tensor(input_ids(dir, i)).unsqueeze(0))[0];
    worst = std::max(worst, max_diff(logits, io::read_npy(dir / ("logits_" + std::to_string(i) + ".npy"))));
  }
  // Greedy: prefill the prompt into the recurrent state, then one token per step.
  const auto expected = read_json_file(dir / "greedy.json")["new_tokens"].get<std::vector<int64_t>>();
  const auto expected_logits = io::read_npy(dir / "greedy_logits.npy");
  auto state = mamba->new_state(1);
  auto last = mamba->forward(torch::tensor(input_ids(dir, 0)).unsqueeze(0), state)[0][-1];
  std::vector<int64_t> tokens;
  double worst_step = 0;
  const int64_t bytes_after_prompt = state.bytes();
  for (int k = 0; k < 12; ++k) {
    worst_step = std::max(worst_step, max_diff(last, expected_logits[k]));
    tokens.push_back(last.argmax().item<int64_t>());
    last = mamba->forward(torch::tensor({{tokens.back()}}), state)[0][-1];
  }
  std::cout << "[oracle] mamba: max |logit diff| " << worst << ", greedy steps through the state " << worst_step
            << "\n";
  EXPECT_LT(worst, 1e-4);
  EXPECT_LT(worst_step, 1e-4);
  EXPECT_EQ(tokens, expected);
  EXPECT_EQ(state.bytes(), bytes_after_prompt);  // constant memory per sequence
  EXPECT_EQ(state.position, 37 + 12);
}

}  // namespace
