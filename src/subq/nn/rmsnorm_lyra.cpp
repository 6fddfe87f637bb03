#include "subq/nn/rmsnorm_lyra.h"

#include <cmath>

namespace subq::nn {

LyraRMSNormImpl::LyraRMSNormImpl(int64_t dim, double eps) : dim_(dim), eps_(eps) {
  scale = register_parameter("scale", torch::ones({dim}));
}

torch::Tensor LyraRMSNormImpl::forward(const torch::Tensor& x) {
  const auto rms = x.norm(2, /*dim=*/-1, /*keepdim=*/true) / std::sqrt(static_cast<double>(dim_));
  return scale * x / (rms + eps_);
}

}  // namespace subq::nn
