// One decoder layer: pre-norm attention and a pre-norm feed-forward block, each with a
// residual. The family's config picks the norm (RMSNorm / LayerNorm), the feed-forward
// (SwiGLU / GELU), the projections' biases and whether RoPE applies. The attention sub-layer
// owns the q/k/v/o projections and RoPE and delegates the mixing of positions to a swappable
// nn::AttentionKind (softmax, optionally windowed; hybrid/linear by config).
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "subq/nn/attention.h"
#include "subq/nn/linear.h"
#include "subq/nn/mlp.h"
#include "subq/nn/norm.h"
#include "subq/nn/rope.h"
#include "subq/models/llama/llama_config.h"

namespace subq::models {

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  LlamaAttentionImpl(const LlamaConfig& config, const nn::AttentionConfig& kind);
  // x: (B, L, dim). With a state, the L tokens continue the sequence the state holds (their
  // positions start at state->position()); without, they are positions 0..L-1.
  torch::Tensor forward(const torch::Tensor& x, nn::AttentionState* state);
  // q, k (RoPE applied) and v for x, each (B, heads, L, head_dim); for attention transfer.
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> project_qkv(const torch::Tensor& x,
                                                                       int64_t start);
  // Swaps the attention kind (e.g. softmax -> hybrid) keeping the projections.
  void set_kind(std::shared_ptr<nn::AttentionKind> kind);
  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit);

  std::shared_ptr<nn::LinearLayer> q_proj, k_proj, v_proj, o_proj;
  nn::RotaryEmbedding rope{nullptr};  // null for learned absolute positions (GPT-2)
  std::shared_ptr<nn::AttentionKind> kind;
  const int64_t n_heads, n_kv_heads, head_dim;
};
TORCH_MODULE(LlamaAttention);

class LlamaBlockImpl : public torch::nn::Module {
 public:
  LlamaBlockImpl(const LlamaConfig& config, const nn::AttentionConfig& kind);
  torch::Tensor forward(const torch::Tensor& x, nn::AttentionState* state);
  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit);

  std::shared_ptr<nn::NormLayer> attn_norm, mlp_norm;
  LlamaAttention attn{nullptr};
  std::shared_ptr<nn::FeedForward> mlp;
};
TORCH_MODULE(LlamaBlock);

}  // namespace subq::models
