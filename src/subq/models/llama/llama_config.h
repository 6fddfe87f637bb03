// The one description of a Llama-family decoder, filled from the checkpoint's own metadata
// (GGUF llama.* keys, the llama2.c header, or Hugging Face config.json) and carried as JSON
// inside subq checkpoints. Per-layer AttentionConfig lets a layer use softmax, hybrid or
// linear attention.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subq/nn/attention.h"
#include "subq/nn/rope.h"

namespace subq::io {
class GgufFile;
}

namespace subq::models {

struct LlamaConfig {
  int64_t dim = 0;          // model width (embedding_length)
  int64_t hidden_dim = 0;   // SwiGLU width (feed_forward_length)
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;     // usually dim / n_heads
  int64_t vocab_size = 0;
  int64_t max_seq_len = 0;  // context the model was trained at (context_length)
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;
  nn::RopeStyle rope_style = nn::RopeStyle::Interleaved;
  bool tied_output = true;  // logits use the token embedding matrix
  std::vector<nn::AttentionConfig> attention;  // one per layer

  // From GGUF metadata ("llama" architecture keys); vocab size from the embedding tensor.
  static LlamaConfig from_gguf(const io::GgufFile& gguf);
  // From llama2.c's 7-int header (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
  // vocab_size, seq_len); a negative vocab_size means a separate output matrix.
  static LlamaConfig from_llama2c_header(const int32_t header[7]);
  // From a Hugging Face config.json (LlamaForCausalLM and compatible).
  static LlamaConfig from_hf_json(const nlohmann::json& config);
  static LlamaConfig from_json(const nlohmann::json& json);
  nlohmann::json to_json() const;
  // The LlamaForCausalLM config.json keys (transformers reads them; attention kinds are not
  // among them, see transforms/linearize/merged_checkpoint.h).
  nlohmann::json to_hf_json() const;

  // Checks sizes are positive and consistent; `source` names the file in the message.
  void validate(const std::string& source) const;
  nn::AttentionShape attention_shape() const { return {n_heads, n_kv_heads, head_dim}; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  // Fills `attention` with `n_layers` softmax layers when empty.
  void default_attention();
};

}  // namespace subq::models
