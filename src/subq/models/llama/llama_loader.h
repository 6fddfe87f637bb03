// Loads a Llama-family checkpoint, whatever its container: GGUF (weights dequantized to
// float32), llama2.c .bin (+ tokenizer.bin / tok<N>.bin beside it), or a Hugging Face
// directory (config.json + *.safetensors + tokenizer.json). The config comes from the
// file's own metadata; every tensor's presence and shape is checked, and errors name the
// file and the tensor.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "subq/models/llama/llama_config.h"
#include "subq/models/llama/llama_model.h"
#include "subq/tokenize/tokenizer.h"

namespace subq::models {

struct LlamaLoadOptions {
  std::filesystem::path tokenizer;  // overrides the tokenizer found with the model
  bool need_tokenizer = true;       // fail when none is found (commands); tests may skip it
};

// A tensor as stored in the checkpoint (before dequantization), for `subq info`.
struct StoredTensor {
  std::string name;
  std::string dtype;  // "F32", "Q4_1", ...
  std::vector<int64_t> shape;  // torch order
};

struct LoadedLlama {
  LlamaModel model{nullptr};
  std::unique_ptr<tokenize::Tokenizer> tokenizer;  // null only when not needed and not found
  std::string format;                              // "gguf" | "llama2c" | "hf"
  // What the user handed over, for messages: "checkpoint" (a file or HF directory), "exported"
  // (a `subq export` directory), "compressed", "linearized" (set by transforms::open_model).
  std::string artifact = "checkpoint";
  std::filesystem::path path;
  std::vector<StoredTensor> stored;  // what the file holds, in file order
  const LlamaConfig& config() const { return model->config(); }
};

LoadedLlama load_llama(const std::filesystem::path& path, const LlamaLoadOptions& options = {});

// GGUF tensor name -> model parameter name, for every weight the model needs
// ("blk.3.attn_q.weight" -> "layers.3.attn.q_proj.weight").
std::vector<std::pair<std::string, std::string>> llama_tensor_names(const LlamaConfig& config);

// Returns the tensor stored under a GGUF name (float32, torch order), or an undefined tensor
// when the checkpoint has none.
using TensorSource = std::function<torch::Tensor(const std::string& gguf_name)>;

// Copies every weight from `source` into `model`; `file` names the checkpoint in errors.
void load_llama_weights(LlamaModelImpl& model, const TensorSource& source, const std::string& file);

// Parameters beyond the standard Llama weights (e.g. hybrid attention feature maps and gates)
// are stored in subq's own checkpoints under this prefix + their parameter name.
constexpr const char* kExtraTensorPrefix = "subq.";
// The model's parameters that are not standard Llama weights (not in llama_tensor_names),
// e.g. hybrid attention feature maps and gates, with their parameter names.
std::vector<std::pair<std::string, torch::Tensor>> extra_parameters(LlamaModelImpl& model);
// Copies them from `source` (names with the prefix); every one the model has is required.
void load_extra_parameters(LlamaModelImpl& model, const TensorSource& source, const std::string& file);

}  // namespace subq::models
