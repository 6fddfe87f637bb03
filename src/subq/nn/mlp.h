// A decoder layer's feed-forward block, chosen by the model family:
//  - SwiGLU (Shazeer 2020; Llama, Mistral, Qwen2): down(silu(gate(x)) * up(x)).
//  - GELU (GPT-2): down(gelu_tanh(up(x))) with biases.
// The projections are swappable LinearLayers (LoRA, soft-rank compression).
#pragma once
#include <memory>

#include <torch/torch.h>

#include "subq/nn/linear.h"

namespace subq::nn {

class FeedForward : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // Lists the projections with paths prefixed by `prefix` ("layers.3.mlp").
  virtual void for_each_linear(const std::string& prefix, const LinearVisitor& visit) = 0;
};

class SwiGluMlpImpl : public FeedForward {
 public:
  SwiGluMlpImpl(int64_t dim, int64_t hidden_dim, bool bias = false);
  torch::Tensor forward(const torch::Tensor& x) override;
  // gate_proj, up_proj, down_proj.
  void for_each_linear(const std::string& prefix, const LinearVisitor& visit) override;

  std::shared_ptr<LinearLayer> gate_proj, up_proj, down_proj;
};
TORCH_MODULE(SwiGluMlp);

class GeluMlpImpl : public FeedForward {
 public:
  GeluMlpImpl(int64_t dim, int64_t hidden_dim, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x) override;
  // up_proj, down_proj.
  void for_each_linear(const std::string& prefix, const LinearVisitor& visit) override;

  std::shared_ptr<LinearLayer> up_proj, down_proj;
};

// GELU's tanh approximation (GPT-2's "gelu_new"), written out so its backward is plain
// autograd (see gelu.h for why subq avoids LibTorch 1.13's GELU kernels).
torch::Tensor gelu_tanh(const torch::Tensor& x);

// "swiglu" | "gelu_tanh".
std::shared_ptr<FeedForward> make_feed_forward(const std::string& kind, int64_t dim, int64_t hidden_dim,
                                               bool bias);

}  // namespace subq::nn
