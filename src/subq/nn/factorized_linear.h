// A linear layer stored as two thin ones, in -> rank -> out: y = up(down(x)) + b. This is the
// exported form of a compressed layer; it saves parameters and time only when
// rank < in*out/(in+out), so `make_low_rank_linear` returns a DenseLinear otherwise.
#pragma once
#include <memory>

#include "subq/nn/linear.h"

namespace subq::nn {

class FactorizedLinear : public LinearLayer {
 public:
  // Empty factors of the given rank (filled by a checkpoint load).
  FactorizedLinear(int64_t in_features, int64_t out_features, int64_t rank, bool bias);
  // down: rank x in, up: out x rank (ownership taken).
  FactorizedLinear(torch::Tensor down_weight, torch::Tensor up_weight,
                   c10::optional<torch::Tensor> bias);

  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor effective_weight() const override;
  c10::optional<torch::Tensor> effective_bias() const override;
  int64_t rank() const { return down->out_features; }

  std::shared_ptr<DenseLinear> down, up;  // up carries the bias
};

// Largest rank at which a factorised layer still stores fewer weights than the dense one.
inline int64_t break_even_rank(int64_t in_features, int64_t out_features) {
  return (in_features * out_features) / (in_features + out_features);
}

// The cheapest layer for the product up * down (+ bias): FactorizedLinear when its rank is
// below the break-even rank, else a DenseLinear holding the product.
std::shared_ptr<LinearLayer> make_low_rank_linear(torch::Tensor down_weight,
                                                  torch::Tensor up_weight,
                                                  c10::optional<torch::Tensor> bias);

// The same from an SVD-style triple: weight = U diag(s) V^T with U: out x r, s: r, V: in x r.
// sqrt(s) goes to both factors so neither carries the whole scale.
std::shared_ptr<LinearLayer> make_low_rank_linear_from_svd(const torch::Tensor& U,
                                                           const torch::Tensor& s,
                                                           const torch::Tensor& V,
                                                           c10::optional<torch::Tensor> bias);

}  // namespace subq::nn
