#include "subq/models/part/linear_attention.h"

#include "subq/util/error.h"

namespace subq::models::part {
namespace {

constexpr double kNormEps = 1e-9;  // rows always have >= 1 real key; this only guards 0/0

// (B, H, L, F) (x) (B, H, L, G) -> (B, H, L, F G); an undefined psi leaves phi as it is.
torch::Tensor tensor_product(const torch::Tensor& phi, const torch::Tensor& psi) {
  if (!psi.defined()) return phi;
  return (phi.unsqueeze(-1) * psi.unsqueeze(-2)).flatten(-2);
}

}  // namespace

LinearAttentionKernel::LinearAttentionKernel(const ParticleAttentionOptions& options) {
  q_map_ = register_module("q_map", nn::make_feature_map("hedgehog", options.heads, options.head_dim,
                                                          options.feature_dim));
  k_map_ = register_module("k_map", nn::make_feature_map("hedgehog", options.heads, options.head_dim,
                                                          options.feature_dim));
  if (options.pair_features > 0)
    pair_map_ = register_module("pair_map", std::make_shared<PairFeatureMap>(
                                                options.particle_dim, options.heads, options.pair_features));
}

torch::Tensor LinearAttentionKernel::query_features(const torch::Tensor& q, const torch::Tensor& psi) {
  return tensor_product(q_map_->forward(q), psi);
}

torch::Tensor LinearAttentionKernel::key_features(const torch::Tensor& k, const torch::Tensor& psi,
                                                  const torch::Tensor& key_padding) {
  const auto real = (~key_padding).to(k.dtype()).unsqueeze(1).unsqueeze(-1);  // (B, 1, S, 1)
  return tensor_product(k_map_->forward(k), psi) * real;
}

torch::Tensor LinearAttentionKernel::attend(const torch::Tensor& q, const torch::Tensor& k,
                                            const torch::Tensor& v, const PairInputs& pair,
                                            const torch::Tensor& key_padding,
                                            torch::Tensor* weights_out) {
  torch::Tensor psi;
  if (pair_map_) {
    SUBQ_CHECK(pair.particles.defined(), "linear particle attention with a pair kernel needs the "
               "per-particle inputs");
    SUBQ_CHECK(q.size(2) == k.size(2) && pair.particles.size(1) == k.size(2),
               "linear pair kernel: queries ({}), keys ({}) and particles ({}) must be the same set",
               q.size(2), k.size(2), pair.particles.size(1));
    psi = pair_map_->forward(pair.particles);
  }
  const auto fq = query_features(q, psi), fk = key_features(k, psi, key_padding);
  // A column of ones appended to v makes the normaliser sum_j K_ij come out of the same matmul.
  const int64_t d = v.size(-1);
  const auto v1 = torch::cat({v, torch::ones_like(v.narrow(-1, 0, 1))}, -1);
  const auto mixed = torch::matmul(fq, torch::matmul(fk.transpose(-2, -1), v1));  // (B, H, L, d+1)
  const auto norm = mixed.narrow(-1, d, 1) + kNormEps;
  if (weights_out) *weights_out = (torch::matmul(fq, fk.transpose(-2, -1)) / norm).detach();
  return mixed.narrow(-1, 0, d) / norm;
}

torch::Tensor LinearAttentionKernel::forward(const torch::Tensor& q, const torch::Tensor& k,
                                             const torch::Tensor& v, const torch::Tensor& bias,
                                             const torch::Tensor& key_padding,
                                             torch::Tensor* weights_out) {
  return attend(q, k, v, PairInputs{bias, torch::Tensor()}, key_padding, weights_out);
}

}  // namespace subq::models::part
