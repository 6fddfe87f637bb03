// The one description of a decoder-only transformer, filled from the checkpoint's own
// metadata (GGUF keys, the llama2.c header, or Hugging Face config.json) by the model's family
// (models/families/: llama, mistral, qwen2, gpt2) and carried as JSON inside subq
// checkpoints. The Llama layout is the default; a family changes only what it needs (RoPE
// scaling, a sliding window, biases, LayerNorm + GELU + learned positions for GPT-2).
// Per-layer AttentionConfig lets a layer use softmax, hybrid or linear attention.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subq/nn/attention.h"
#include "subq/nn/rope.h"

namespace subq::models {

struct LlamaConfig {
  std::string family = "llama";  // the models/families/ description that read the checkpoint
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
  nn::RopeScaling rope_scaling;
  bool tied_output = true;  // logits use the token embedding matrix
  // Softmax attention sees the last `sliding_window` keys (itself included); 0 = all.
  int64_t sliding_window = 0;
  bool qkv_bias = false;        // q/k/v projections carry biases (Qwen2, GPT-2)
  bool out_bias = false;        // the attention output projection carries one (GPT-2)
  bool mlp_bias = false;        // the feed-forward projections carry them (GPT-2)
  std::string norm = "rmsnorm";   // "rmsnorm" | "layernorm" (with bias)
  std::string mlp = "swiglu";     // "swiglu" | "gelu_tanh"
  std::string positions = "rope"; // "rope" | "learned" (an embedding of max_seq_len rows)
  std::vector<nn::AttentionConfig> attention;  // one per layer

  // From llama2.c's 7-int header (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
  // vocab_size, seq_len); a negative vocab_size means a separate output matrix.
  static LlamaConfig from_llama2c_header(const int32_t header[7]);
  static LlamaConfig from_json(const nlohmann::json& json);
  nlohmann::json to_json() const;

  // Checks sizes are positive and consistent; `source` names the file in the message.
  void validate(const std::string& source) const;
  nn::AttentionShape attention_shape() const { return {n_heads, n_kv_heads, head_dim, sliding_window}; }
  bool uses_rope() const { return positions == "rope"; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  // Fills `attention` with `n_layers` softmax layers when empty.
  void default_attention();
};

}  // namespace subq::models
