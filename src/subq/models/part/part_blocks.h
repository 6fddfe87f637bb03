// Building blocks of ParT (weaver-core v0.4.0 ParticleTransformer.py), batch-first (B, P, C):
//  - ParticleEmbedding: BatchNorm over the input features, then (LayerNorm, Linear, GELU)
//    per width in embed_dims;
//  - PairEmbedding: BatchNorm, then (1x1 conv = Linear over channels, BatchNorm, GELU) per
//    width, on the packed lower-triangle pair features, scattered back to U (B, H, P, P);
//  - AttentionBlock: pre-LayerNorm attention with extra post-attention LayerNorm, per-head
//    scales c_attn, FFN with a LayerNorm after the activation, learnable residual scale w_resid.
//    Used for particle attention (with pair bias) and class attention (class token queries).
#pragma once
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "subq/models/part/particle_attention.h"
#include "subq/nn/linear.h"

namespace subq::models::part {

class ParticleEmbeddingImpl : public torch::nn::Module {
 public:
  ParticleEmbeddingImpl(int64_t input_dim, const std::vector<int64_t>& dims);
  // features (B, C, P), mask (B, P) -> (B, P, dims.back()), zero at padding.
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& mask);

 private:
  torch::nn::BatchNorm1d input_bn{nullptr};
  torch::nn::Sequential layers;
};
TORCH_MODULE(ParticleEmbedding);

class PairEmbeddingImpl : public torch::nn::Module {
 public:
  PairEmbeddingImpl(int64_t input_dim, const std::vector<int64_t>& dims);
  // packed (B, T, C) pair features for P particles -> U (B, dims.back(), P, P).
  torch::Tensor forward(const torch::Tensor& packed, int64_t particles);

 private:
  torch::nn::Sequential layers;
  int64_t out_dim_;
};
TORCH_MODULE(PairEmbedding);

struct AttentionBlockOptions {
  int64_t dim = 128, heads = 8, ffn_dim = 512;
  double dropout = 0.1, activation_dropout = 0.1;
  ParticleAttentionOptions attention;  // kind and its dropout; heads/head_dim set by the block
};

class AttentionBlockImpl : public torch::nn::Module {
 public:
  explicit AttentionBlockImpl(const AttentionBlockOptions& options);
  // Particle attention: x (B, P, C), padding (B, P) true = pad, pair: U (B, H, P, P) and/or
  // the per-particle inputs, whichever the kernel uses.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& padding,
                        const PairInputs& pair, torch::Tensor* weights_out = nullptr);
  // Class attention: the class token (B, 1, C) queries [class token, particles].
  torch::Tensor forward_class(const torch::Tensor& x_cls, const torch::Tensor& x,
                              const torch::Tensor& padding, torch::Tensor* weights_out = nullptr);

  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit);
  std::shared_ptr<ParticleAttentionKernel> attention_kernel() const { return kernel; }
  void set_attention_kernel(std::shared_ptr<ParticleAttentionKernel> replacement);

 private:
  // Attention from `query_input` to `kv_input` (both already normalised as the caller wants).
  torch::Tensor attend(const torch::Tensor& query_input, const torch::Tensor& kv_input,
                       const torch::Tensor& padding, const PairInputs& pair,
                       torch::Tensor* weights_out);
  torch::Tensor finish(torch::Tensor attended, const torch::Tensor& residual);

  AttentionBlockOptions options_;
  int64_t head_dim_;
  torch::nn::LayerNorm pre_attn_norm{nullptr}, post_attn_norm{nullptr}, pre_fc_norm{nullptr},
      post_fc_norm{nullptr};
  std::shared_ptr<nn::LinearLayer> q_proj, k_proj, v_proj, out_proj, fc1, fc2;
  std::shared_ptr<ParticleAttentionKernel> kernel;
  torch::Tensor c_attn, w_resid;
};
TORCH_MODULE(AttentionBlock);

}  // namespace subq::models::part
