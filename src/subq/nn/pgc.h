// Projected gated convolution (Lyra): the block that multiplies two linear projections of
// its input, v * conv(x), so its output holds explicit degree-2 products of nearby sites;
// stacking blocks raises the degree of the interactions (epistasis) a model can express.
//   xv = RMSNorm_2E(Linear d->2E (u));  x, v = split(xv)
//   x' = depthwise Conv1d(E, kernel 3, padding 1)(x)
//   out = RMSNorm_d(Linear E->d (v * x'))
// No activation and no residual inside, exactly as the spec (docs/bio.md).
#pragma once
#include <memory>

#include <torch/torch.h>

#include "subq/nn/linear.h"
#include "subq/nn/rmsnorm_lyra.h"

namespace subq::nn {

class ProjectedGatedConvImpl : public torch::nn::Module {
 public:
  // E = round(d_model * expansion).
  ProjectedGatedConvImpl(int64_t d_model, double expansion);
  torch::Tensor forward(const torch::Tensor& u);  // (B, L, d) -> (B, L, d)
  void for_each_linear(const LinearVisitor& visit, const std::string& prefix);

  std::shared_ptr<LinearLayer> in_proj, out_proj;
  LyraRMSNorm in_norm{nullptr}, out_norm{nullptr};
  torch::nn::Conv1d conv{nullptr};
  const int64_t expanded;
};
TORCH_MODULE(ProjectedGatedConv);

}  // namespace subq::nn
