// Chebyshev spectral graph convolution (Defferrard et al. 2016; PyTorch Geometric's ChebConv)
// on dense batched graphs: out = sum_{k<K} T_k(L~) X Theta_k + b with T_0 = I, T_1 = L~,
// T_k = 2 L~ T_{k-1} - T_{k-2}. K * in * out + out parameters.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

class ChebConvImpl : public torch::nn::Module {
 public:
  ChebConvImpl(int64_t in_channels, int64_t out_channels, int64_t order);
  // x (B, P, in), laplacian L~ (B, P, P) -> (B, P, out).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& laplacian);
  torch::Tensor weight;  // (K, in, out): Theta_k
  torch::Tensor bias;    // (out)

 private:
  int64_t order_;
};
TORCH_MODULE(ChebConv);

}  // namespace subq::nn
