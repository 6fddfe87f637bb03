// A decoder family: what one kind of checkpoint (Llama, Mistral, Qwen2, GPT-2) needs beyond
// the shared decoder (models/llama/). Each family lives in one file of this folder and says
//  - which Hugging Face `model_type`s and GGUF `general.architecture`s it reads;
//  - how their metadata fills a LlamaConfig (RoPE style and scaling, biases, norm, feed-forward,
//    positions, attention window), refusing keys that change the math and that subq does not
//    implement (an error naming the file and the key, never a silent default);
//  - how its Hugging Face tensors map to the canonical tensor names the decoder loads (GGUF's
//    "blk.N.attn_q.weight" naming) and layouts;
//  - the config.json it writes for an exported model.
// Adding a family = one file here, one line in the registry (decoder_family.cpp), its test.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subq/io/safetensors.h"
#include "subq/models/llama/llama_config.h"

namespace subq::io {
class GgufFile;
}

namespace subq::models {

struct DecoderFamily {
  std::string name;                             // "qwen2"; LlamaConfig::family
  std::vector<std::string> hf_model_types;      // config.json "model_type" values
  std::vector<std::string> gguf_architectures;  // "general.architecture" values; may be empty
  // config.json -> config; `file` names it in errors.
  std::function<LlamaConfig(const nlohmann::json& config, const std::string& file)> from_hf;
  // GGUF metadata -> config; null when the family has no GGUF reader.
  std::function<LlamaConfig(const io::GgufFile& gguf)> from_gguf;
  // Hugging Face tensors (their names) -> canonical names and layouts for the decoder.
  std::function<io::TensorMap(const io::TensorMap& hf, const LlamaConfig& config)> hf_tensors;
  // A GGUF tensor (canonical name) -> the layout the decoder uses; null when unchanged.
  std::function<torch::Tensor(const std::string& name, const torch::Tensor& t, const LlamaConfig& config)>
      gguf_tensor;
  // The transformers config.json keys of a model of this family.
  std::function<nlohmann::json(const LlamaConfig& config)> to_hf_json;
};

// The registry; errors list the known names.
const std::vector<const DecoderFamily*>& decoder_families();
const DecoderFamily& decoder_family(const std::string& name);
// By config.json's model_type (or "llama" when a plain Llama config has none).
const DecoderFamily& decoder_family_for_hf(const nlohmann::json& config, const std::string& file);
const DecoderFamily& decoder_family_for_gguf(const io::GgufFile& gguf);

// config.json / GGUF -> config through the right family (the config is validated).
LlamaConfig decoder_config_from_hf(const nlohmann::json& config, const std::string& file);
LlamaConfig decoder_config_from_gguf(const io::GgufFile& gguf);

// The families' own files.
const DecoderFamily& llama_family();
const DecoderFamily& mistral_family();
const DecoderFamily& qwen2_family();
const DecoderFamily& gpt2_family();

// Shared by the Llama-layout families (Llama, Mistral, Qwen2), defined in llama_family.cpp:
// the sizes, RoPE and norm keys every one of them has, with the checks that they are there.
LlamaConfig llama_layout_from_hf(const nlohmann::json& config, const std::string& file);
// The same from GGUF keys under `<arch>.`.
LlamaConfig llama_layout_from_gguf(const io::GgufFile& gguf, const std::string& arch);
// Hugging Face Llama-layout names -> GGUF names, q/k rows (and biases) into interleaved order.
io::TensorMap llama_layout_tensors(const io::TensorMap& hf, const LlamaConfig& config);
nlohmann::json llama_layout_to_hf_json(const LlamaConfig& config, const std::string& model_type,
                                       const std::string& architecture);

// Helpers for the families' checks.
// Fails when `key` is present with a value other than null/false/0/`allowed`.
void refuse_key(const nlohmann::json& config, const std::string& key, const std::string& file,
                const std::string& why, const nlohmann::json& allowed = nullptr);
// Reads an integer key that must be present.
int64_t required_int(const nlohmann::json& config, const std::string& key, const std::string& file);

}  // namespace subq::models
