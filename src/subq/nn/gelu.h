// GELU (exact, erf form) whose backward is always handed contiguous tensors.
//
// Why not torch::gelu: in Debian's LibTorch 1.13 (CPU), the float32 GELU backward returns
// garbage (values up to 1e36, different on every run) when its input is contiguous but the
// incoming gradient is not, e.g. when GELU's output is transposed before a Linear. Measured
// with /usr/bin/python3 (torch 1.13): input (4, 32, 24) contiguous, gradient transposed ->
// max error 2.7e36 against float64; the three other layout pairs agree to 7e-7. It silently
// broke S4D's training (Lyra learned nothing while its parts trained fine alone). Every GELU
// in subq goes through this function (layout_safe_gelu) or the Gelu module.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

torch::Tensor layout_safe_gelu(const torch::Tensor& x);

// For torch::nn::Sequential stacks.
class GeluImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return layout_safe_gelu(x); }
};
TORCH_MODULE(Gelu);

}  // namespace subq::nn
