// Linearized particle attention: ParT's softmax weights are proportional to
// exp(q_i . k_j) exp(U_ij) (q already scaled by 1/sqrt(d)). Both factors are replaced by
// positive feature-map kernels,
//   exp(q_i . k_j) ~ phi_q(q_i) . phi_k(k_j)   (Hedgehog maps, nn/feature_maps.h, per head)
//   exp(U_ij)      ~ psi(x_i) . psi(x_j)       (PairFeatureMap from per-particle inputs x)
// and their product is the dot product of tensor-product features,
//   K_ij = (phi_q(q_i) (x) psi(x_i)) . (phi_k(k_j) (x) psi(x_j)),
// so out_i = sum_j K_ij v_j / (sum_j K_ij + eps) costs O(P F G d) per head instead of O(P^2 d),
// and no P x P pair matrix (pair features, pair embedding, U) is ever built. Padded keys have
// their features zeroed, so they contribute exactly nothing. With pair_features = 0 the psi
// factor is dropped (the ablation: U is ignored). Trained by attention transfer from the
// softmax kernel (train/part_attention_transfer.h).
#pragma once
#include <memory>

#include "subq/models/part/pair_feature_map.h"
#include "subq/models/part/particle_attention.h"
#include "subq/nn/feature_maps.h"

namespace subq::models::part {

class LinearAttentionKernel : public ParticleAttentionKernel {
 public:
  explicit LinearAttentionKernel(const ParticleAttentionOptions& options);
  // Needs `pair.particles` (B, S, C) unless built without a pair kernel; U is never read.
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const PairInputs& pair, const torch::Tensor& key_padding,
                       torch::Tensor* weights_out) override;
  // Without per-particle inputs: only for kernels built without a pair kernel.
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, const torch::Tensor& key_padding,
                        torch::Tensor* weights_out) override;
  std::string kind() const override { return "linear"; }
  bool uses_pair_bias() const override { return false; }
  bool has_pair_kernel() const { return pair_map_ != nullptr; }

  // The tensor-product features of queries (B, H, L, F G) and keys (zero at padding).
  torch::Tensor query_features(const torch::Tensor& q, const torch::Tensor& psi);
  torch::Tensor key_features(const torch::Tensor& k, const torch::Tensor& psi,
                             const torch::Tensor& key_padding);

 private:
  std::shared_ptr<nn::FeatureMap> q_map_, k_map_;
  std::shared_ptr<PairFeatureMap> pair_map_;  // null without a pair kernel
};

}  // namespace subq::models::part
