// S4D: a diagonal state space layer whose convolution kernel is computed in closed form,
//   K[h, l] = 2 Re sum_n C'_n exp(dt_h A_n l),  C' = C (exp(dt A) - 1) / A,
// i.e. a Vandermonde (polynomial) basis over positions that mixes the whole sequence.
// Parameters: log dt (H), A = -exp(log_A_real) + i A_imag (H x N/2), C (H x N/2 complex,
// stored as real/imag pairs), D (H), and a 1x1 output projection H -> 2H followed by GLU.
// The kernel is evaluated in real arithmetic (rho = exp(-dt a), theta = dt b):
//   K[l] = 2 sum_n rho^l (Re C' cos(l theta) - Im C' sin(l theta)).
// y = causal_conv(z, K) + D z, then GELU, then the output projection and GLU.
#pragma once
#include <memory>

#include <torch/torch.h>

#include "subq/nn/linear.h"

namespace subq::nn {

enum class ConvPath { Auto, Fft, Direct };

// Causal depthwise convolution y[b,h,l] = sum_{k<=l} K[h,k] z[b,h,l-k] for z (B, H, L) and
// K (H, L): by FFT in O(L log L), or directly (conv1d with left padding) in O(L^2).
torch::Tensor causal_conv_fft(const torch::Tensor& z, const torch::Tensor& kernel);
torch::Tensor causal_conv_direct(const torch::Tensor& z, const torch::Tensor& kernel);

struct S4DOptions {
  int64_t channels = 64;         // H
  int64_t state = 64;            // N (N/2 complex modes)
  double dt_min = 1e-3, dt_max = 1e-1;
  // Auto path: direct convolution up to this length, FFT above (measured in bench/bio_bench:
  // the FFT wins beyond short sequences).
  int64_t direct_max_length = 64;
};

class S4DImpl : public torch::nn::Module {
 public:
  explicit S4DImpl(const S4DOptions& options);
  // (B, L, H) -> (B, L, H).
  torch::Tensor forward(const torch::Tensor& x, ConvPath path = ConvPath::Auto);
  torch::Tensor kernel(int64_t length);  // (H, L)
  void for_each_linear(const LinearVisitor& visit, const std::string& prefix);

  torch::Tensor log_dt, C, log_A_real, A_imag, D;
  std::shared_ptr<LinearLayer> output_linear;
  const S4DOptions options;
};
TORCH_MODULE(S4D);

}  // namespace subq::nn
