// A residual 1-D convolution block for sequence baselines (the bio CNN):
//   out = x + Dropout(GELU(Conv1d(LayerNorm(x))))    on (B, L, d), "same" padding.
// Pre-norm residual so several blocks train stably without tuning.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

class ResidualConvBlockImpl : public torch::nn::Module {
 public:
  ResidualConvBlockImpl(int64_t channels, int64_t kernel_size, double dropout);
  torch::Tensor forward(const torch::Tensor& x);  // (B, L, d) -> (B, L, d)

  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Conv1d conv{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(ResidualConvBlock);

}  // namespace subq::nn
