// Lyra's RMS normalisation: scale * x / (||x||_2 / sqrt(d) + 1e-8). Unlike the Llama
// RMSNorm (nn/rmsnorm.h, eps inside the square root) the epsilon is added to the RMS itself,
// so the two are kept as separate modules with separate names.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

class LyraRMSNormImpl : public torch::nn::Module {
 public:
  explicit LyraRMSNormImpl(int64_t dim, double eps = 1e-8);
  torch::Tensor forward(const torch::Tensor& x);  // normalises the last dimension
  torch::Tensor scale;

 private:
  int64_t dim_;
  double eps_;
};
TORCH_MODULE(LyraRMSNorm);

}  // namespace subq::nn
