// Llama's feed-forward block (SwiGLU, Shazeer 2020): down(silu(gate(x)) * up(x)).
// The three projections are swappable LinearLayers (LoRA, soft-rank compression).
#pragma once
#include <memory>

#include <torch/torch.h>

#include "subq/nn/linear.h"

namespace subq::nn {

class SwiGluMlpImpl : public torch::nn::Module {
 public:
  SwiGluMlpImpl(int64_t dim, int64_t hidden_dim);
  torch::Tensor forward(const torch::Tensor& x);
  // Lists gate_proj, up_proj, down_proj with paths prefixed by `prefix` ("layers.3.mlp").
  void for_each_linear(const std::string& prefix, const LinearVisitor& visit);

  std::shared_ptr<LinearLayer> gate_proj, up_proj, down_proj;
};
TORCH_MODULE(SwiGluMlp);

}  // namespace subq::nn
