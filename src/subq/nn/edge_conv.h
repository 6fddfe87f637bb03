// EdgeConv (Wang et al., DGCNN 2019): h_i = max_{j in N(i)} ReLU(W [x_i, x_j - x_i] + b) over a
// kNN graph recomputed from the current features (dynamic graph). Nodes without neighbours
// get zeros.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

class EdgeConvImpl : public torch::nn::Module {
 public:
  EdgeConvImpl(int64_t in_channels, int64_t out_channels, int64_t k);
  // x (B, P, in), mask (B, P) -> (B, P, out).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

 private:
  torch::nn::Linear edge_mlp{nullptr};
  int64_t k_;
};
TORCH_MODULE(EdgeConv);

}  // namespace subq::nn
