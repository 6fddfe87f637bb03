// A linear layer kept as its thin SVD with a learnable soft threshold on the singular values
// (soft-rank compression, docs/compress.md). The layer computes
//   y = x V diag(relu(s - tau)) U^T + b,   tau = sigmoid(t) * max(s),
// without ever forming the dense matrix, so gradients reach U, V, s and the threshold t.
// Singular values that fall below tau contribute nothing: they are the ones export drops.
#pragma once
#include <memory>

#include "subq/nn/linear.h"

namespace subq::nn {

// Thin SVD weight = U diag(s) V^T in float64 (small singular values of large layers are too
// noisy in float32 for an exact reconstruction), returned in the weight's dtype:
// {U: out x k, s: k, V: in x k}, k = min(out, in), s descending.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> thin_svd(const torch::Tensor& weight);

class SoftRankLinear : public LinearLayer {
 public:
  // Decomposes `weight` (out x in). `threshold_fraction` in [0, 1) sets the initial tau as a
  // fraction of max(s); 0 makes the layer reproduce `weight` exactly (t = -inf).
  SoftRankLinear(const torch::Tensor& weight, c10::optional<torch::Tensor> bias,
                 double threshold_fraction = 0.0);
  // Decomposes in a transformed input basis: weight = U diag(s) Vt_basis, where the caller
  // supplies U, s and the (in x k) right factor V (not necessarily orthonormal, e.g. the
  // whitened basis of activation-aware SVD).
  SoftRankLinear(torch::Tensor U, torch::Tensor s, torch::Tensor V,
                 c10::optional<torch::Tensor> bias, double threshold_fraction = 0.0);
  // Builds from any linear layer's effective weight and bias.
  static std::shared_ptr<SoftRankLinear> from_layer(const LinearLayer& layer,
                                                    double threshold_fraction = 0.0);

  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor effective_weight() const override;
  c10::optional<torch::Tensor> effective_bias() const override;

  torch::Tensor threshold() const;          // tau (scalar tensor, differentiable in t)
  torch::Tensor kept_singular_values() const;  // relu(s - tau), differentiable
  // Smooth rank sum_k sigmoid((s_k - tau) / temperature); differentiable.
  torch::Tensor smooth_rank(double temperature) const;
  // (in + out) * smooth_rank: the smooth count of parameters a factorised export would keep.
  torch::Tensor smooth_parameters(double temperature) const;
  // Hard rank after thresholding, count(s' > 0), never below 1.
  int64_t rank() const;
  // Adds tau to every singular value above it, so that the layer computes the *hard*
  // truncation at the current threshold (soft thresholding would also shrink the kept values
  // by tau). Used to start training from the truncated layer instead of a shrunken one.
  void compensate_shrinkage();
  // Parameters a factorised export of the current rank keeps (weights only, no bias).
  int64_t factorized_parameters() const { return rank() * (in_features + out_features); }

  torch::Tensor U, s, V, t, bias;  // U: out x k, s: k, V: in x k, t: scalar; bias optional

 private:
  SoftRankLinear(std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> usv,
                 c10::optional<torch::Tensor> bias, double threshold_fraction);
};

}  // namespace subq::nn
