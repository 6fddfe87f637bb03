// RMSNorm (Zhang & Sennrich 2019), as in Llama: y = x / sqrt(mean(x^2) + eps) * weight.
// Computed in float32 whatever the input dtype, since the mean of squares loses precision
// in half precision.
#pragma once
#include <torch/torch.h>

#include "subq/nn/norm.h"

namespace subq::nn {

class RMSNormImpl : public NormLayer {
 public:
  RMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor weight;
  const double eps;
};
TORCH_MODULE(RMSNorm);

}  // namespace subq::nn
