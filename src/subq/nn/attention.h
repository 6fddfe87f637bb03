// The attention interface every model layer calls through. A layer computes q, k, v,
// applies RoPE, and hands them to an AttentionKind (softmax, hybrid sliding-window + linear,
// pure linear). The kind owns only its small trainable parts (feature maps, gates); a
// sequence's memory (KV cache for softmax, window + linear state for hybrid) is a separate
// AttentionState object, as llama.cpp separates the model from its memory.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::nn {

// Which attention a layer uses; stored per layer in model configs and manifests.
struct AttentionConfig {
  std::string kind = "softmax";        // "softmax" | "hybrid" | "linear"
  std::string window_kind = "sw";      // hybrid: "sw" (sliding) | "tk" (terraced blocks)
  int64_t window = 64;                 // hybrid: softmax window in tokens
  std::string feature_map = "hedgehog";// "hedgehog" | "t2r" | "elu"
  int64_t feature_dim = 64;            // f: hedgehog gives 2f features
  bool operator==(const AttentionConfig& o) const {
    return kind == o.kind && window_kind == o.window_kind && window == o.window &&
           feature_map == o.feature_map && feature_dim == o.feature_dim;
  }
};

// Shapes an attention kind is built for.
struct AttentionShape {
  int64_t n_heads, n_kv_heads, head_dim;
  // The model's own softmax window (Mistral's sliding_window): a query sees this many keys,
  // itself included; 0 = every earlier key. Hybrid attention brings its own window instead.
  int64_t sliding_window = 0;
};

// Per-sequence (batch of sequences), per-layer memory.
class AttentionState {
 public:
  virtual ~AttentionState() = default;
  // Number of positions consumed so far (the next token's position).
  virtual int64_t position() const = 0;
  // The tensors held (for memory accounting and tests that assert constant size).
  virtual std::vector<torch::Tensor> tensors() const = 0;
  int64_t bytes() const;
};

class AttentionKind : public torch::nn::Module {
 public:
  explicit AttentionKind(AttentionShape shape) : shape(shape) {}
  // q: (B, n_heads, L, d); k, v: (B, n_kv_heads, L, d); RoPE already applied.
  // state == nullptr: causal attention over these L positions only (training, prefill
  // without cache). Otherwise the L positions follow what `state` holds; the state is
  // updated to include them. Returns (B, n_heads, L, d), before the output projection.
  virtual torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, AttentionState* state) = 0;
  virtual std::unique_ptr<AttentionState> make_state(int64_t batch, torch::Device device) const = 0;
  virtual AttentionConfig config() const = 0;
  const AttentionShape shape;
};

// The LM attention registry: builds the causal attention kind a config names ("softmax",
// "hybrid", "linear"; defined in lm_attention_factory.cpp). Jets have their own registry,
// models::part::make_particle_attention, whose "linear" is a different (pair-kernel) module.
std::shared_ptr<AttentionKind> make_lm_attention(const AttentionConfig& config,
                                                 const AttentionShape& shape);

// Repeats kv heads to match query heads (GQA): (B, Hkv, L, d) -> (B, Hkv * groups, L, d).
torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups);

}  // namespace subq::nn
