// Top-k particle attention: each query keeps only its k largest logits (q k^T / sqrt(d) + U
// over real keys) and renormalises the softmax over them. Motivated by ParT's near-binary
// attention (Wang et al., arXiv 2412.03673): if most rows already put almost all weight on
// one or two particles, dropping the rest should cost little accuracy. Swapped into a trained
// model at inference with ParticleTransformer::set_attention_kernel; computed densely here, so
// it measures the accuracy effect, not a speed-up (a sparse kernel would be needed for that).
#pragma once
#include "subq/models/part/particle_attention.h"

namespace subq::models::part {

class TopKAttentionKernel : public ParticleAttentionKernel {
 public:
  explicit TopKAttentionKernel(int64_t k);
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, const torch::Tensor& key_padding,
                        torch::Tensor* weights_out) override;
  std::string kind() const override { return "top" + std::to_string(k_); }

 private:
  int64_t k_;
};

}  // namespace subq::models::part
