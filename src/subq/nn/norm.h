// The normalisation a decoder layer uses, chosen by the model family: RMSNorm (Llama,
// Mistral, Qwen2) or LayerNorm with a bias (GPT-2, BERT). Blocks hold a NormLayer so one
// block class serves every family.
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

namespace subq::nn {

class NormLayer : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

// y = (x - mean) / sqrt(var + eps) * weight + bias over the last dimension.
class LayerNormImpl : public NormLayer {
 public:
  LayerNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor weight, bias;
  const double eps;
};

// "rmsnorm" | "layernorm"; anything else is an error naming the kind.
std::shared_ptr<NormLayer> make_norm(const std::string& kind, int64_t dim, double eps);

}  // namespace subq::nn
