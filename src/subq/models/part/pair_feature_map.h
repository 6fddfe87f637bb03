// psi, the per-particle half of the linearized pair bias: exp(U_ij) of head h is replaced by
// psi_h(x_i) . psi_h(x_j), where x are a particle's own inputs (ParT's standardised features,
// from which the pair features ln kT, ln z, ln delta, ln m^2 are functions of two particles).
// psi_h(x) = exp(clamp(a_h(x), -10, 10)) with a = W2 gelu(W1 x + b1) + b2, so psi_i . psi_j =
// sum_g exp(a_ig + a_jg) is a positive kernel made of G separable exponentials. W2 and b2
// start at zero: psi starts constant, i.e. the product kernel starts as the kernel without a
// pair term and attention transfer can only add to it.
#pragma once
#include <torch/torch.h>

namespace subq::models::part {

class PairFeatureMap : public torch::nn::Module {
 public:
  PairFeatureMap(int64_t input_dim, int64_t heads, int64_t features, int64_t hidden = 32);
  // particles (B, P, C) -> psi (B, H, P, G), positive.
  torch::Tensor forward(const torch::Tensor& particles);
  int64_t out_dim() const { return features_; }

 private:
  int64_t heads_, features_;
  torch::nn::Linear hidden_{nullptr}, out_{nullptr};
};

}  // namespace subq::models::part
