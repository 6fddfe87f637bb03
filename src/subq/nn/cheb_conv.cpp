#include "subq/nn/cheb_conv.h"

#include <cmath>

#include "subq/util/error.h"

namespace subq::nn {

ChebConvImpl::ChebConvImpl(int64_t in_channels, int64_t out_channels, int64_t order)
    : order_(order) {
  SUBQ_CHECK(order >= 1, "ChebConv order K must be >= 1, got {}", order);
  // PyG initialises each Theta_k (a bias-free Linear) with glorot; the bias with zeros.
  const double bound = std::sqrt(6.0 / static_cast<double>(in_channels + out_channels));
  weight = register_parameter("weight",
                              torch::empty({order, in_channels, out_channels}).uniform_(-bound, bound));
  bias = register_parameter("bias", torch::zeros({out_channels}));
}

torch::Tensor ChebConvImpl::forward(const torch::Tensor& x, const torch::Tensor& laplacian) {
  // Stack T_k(L~) X along channels and apply all Theta_k in one matmul.
  std::vector<torch::Tensor> terms = {x};
  if (order_ > 1) terms.push_back(torch::bmm(laplacian, x));
  for (int64_t k = 2; k < order_; ++k)
    terms.push_back(2 * torch::bmm(laplacian, terms[k - 1]) - terms[k - 2]);
  const auto stacked = torch::cat(terms, 2);  // (B, P, K * in)
  return torch::matmul(stacked, weight.reshape({-1, weight.size(2)})) + bias;
}

}  // namespace subq::nn
