#include "subq/nn/factorized_linear.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::nn {

FactorizedLinear::FactorizedLinear(int64_t in_features, int64_t out_features, int64_t rank,
                                   bool bias)
    : LinearLayer(in_features, out_features) {
  SUBQ_CHECK(rank >= 1, "FactorizedLinear: rank must be >= 1, got {}", rank);
  down = register_module("down", std::make_shared<DenseLinear>(in_features, rank, false));
  up = register_module("up", std::make_shared<DenseLinear>(rank, out_features, bias));
}

FactorizedLinear::FactorizedLinear(torch::Tensor down_weight, torch::Tensor up_weight,
                                   c10::optional<torch::Tensor> bias)
    : LinearLayer(down_weight.size(1), up_weight.size(0)) {
  SUBQ_CHECK(down_weight.dim() == 2 && up_weight.dim() == 2 &&
                 down_weight.size(0) == up_weight.size(1),
             "FactorizedLinear: down {} and up {} do not chain",
             fmt::join(down_weight.sizes(), "x"), fmt::join(up_weight.sizes(), "x"));
  down = register_module("down", std::make_shared<DenseLinear>(down_weight.contiguous()));
  up = register_module("up", std::make_shared<DenseLinear>(up_weight.contiguous(), bias));
}

torch::Tensor FactorizedLinear::forward(const torch::Tensor& x) {
  return up->forward(down->forward(x));
}

torch::Tensor FactorizedLinear::effective_weight() const {
  return torch::matmul(up->weight, down->weight);
}

c10::optional<torch::Tensor> FactorizedLinear::effective_bias() const {
  return up->effective_bias();
}

std::shared_ptr<LinearLayer> make_low_rank_linear(torch::Tensor down_weight,
                                                  torch::Tensor up_weight,
                                                  c10::optional<torch::Tensor> bias) {
  const int64_t rank = down_weight.size(0);
  if (rank < break_even_rank(down_weight.size(1), up_weight.size(0)))
    return std::make_shared<FactorizedLinear>(std::move(down_weight), std::move(up_weight),
                                              std::move(bias));
  return std::make_shared<DenseLinear>(torch::matmul(up_weight, down_weight).contiguous(),
                                       std::move(bias));
}

std::shared_ptr<LinearLayer> make_low_rank_linear_from_svd(const torch::Tensor& U,
                                                           const torch::Tensor& s,
                                                           const torch::Tensor& V,
                                                           c10::optional<torch::Tensor> bias) {
  torch::NoGradGuard no_grad;
  const auto root = s.clamp_min(0.0).sqrt();
  return make_low_rank_linear((V * root).transpose(0, 1).contiguous(), (U * root).contiguous(),
                              bias ? c10::optional<torch::Tensor>(bias->detach().clone())
                                   : c10::nullopt);
}

}  // namespace subq::nn
