#include "subq/nn/s4d.h"

#include <fmt/ranges.h>

#include <cmath>

#include "subq/nn/gelu.h"
#include "subq/util/error.h"

namespace subq::nn {

torch::Tensor causal_conv_fft(const torch::Tensor& z, const torch::Tensor& kernel) {
  const int64_t L = z.size(-1);
  // Zero padding to 2L turns the FFT's circular convolution into a linear one.
  const auto zf = torch::fft::rfft(z, 2 * L);
  const auto kf = torch::fft::rfft(kernel, 2 * L);
  return torch::fft::irfft(zf * kf, 2 * L).narrow(-1, 0, L);
}

torch::Tensor causal_conv_direct(const torch::Tensor& z, const torch::Tensor& kernel) {
  const int64_t L = z.size(-1), H = z.size(1);
  // conv1d is a cross-correlation; flipping the kernel and padding L-1 zeros on the left
  // gives y[l] = sum_k K[k] z[l-k] over k <= l.
  const auto padded = torch::constant_pad_nd(z, {L - 1, 0});
  const auto weight = kernel.flip({-1}).unsqueeze(1);  // (H, 1, L)
  return torch::nn::functional::conv1d(padded, weight, torch::nn::functional::Conv1dFuncOptions().groups(H));
}

S4DImpl::S4DImpl(const S4DOptions& opt) : options(opt) {
  SUBQ_CHECK(opt.state % 2 == 0 && opt.state > 0, "S4D: state size {} must be even", opt.state);
  const int64_t H = opt.channels, modes = opt.state / 2;
  log_dt = register_parameter(
      "log_dt", torch::rand({H}) * (std::log(opt.dt_max) - std::log(opt.dt_min)) + std::log(opt.dt_min));
  // Complex standard normal: real and imaginary parts each with variance 1/2.
  C = register_parameter("C", torch::randn({H, modes, 2}) * std::sqrt(0.5));
  log_A_real = register_parameter("log_A_real", torch::full({H, modes}, std::log(0.5)));
  A_imag = register_parameter(
      "A_imag", (M_PI * torch::arange(modes, torch::kFloat)).unsqueeze(0).repeat({H, 1}));
  D = register_parameter("D", torch::randn({H}));
  output_linear = register_linear(*this, "output_linear", std::make_shared<DenseLinear>(H, 2 * H, true));
}

torch::Tensor S4DImpl::kernel(int64_t length) {
  const auto dt = log_dt.exp().unsqueeze(-1);         // (H, 1)
  const auto a = log_A_real.exp(), b = A_imag;         // A = -a + i b, (H, M)
  const auto log_rho = -a * dt, theta = b * dt;        // exp(dt A) = rho e^{i theta}
  const auto rho = log_rho.exp();
  const auto p = rho * theta.cos() - 1.0, q = rho * theta.sin();  // exp(dt A) - 1 = p + i q
  // (p + i q) / (-a + i b) = ((-p a + q b) + i(-q a - p b)) / (a^2 + b^2)
  const auto denom = a * a + b * b;
  const auto ratio_re = (-p * a + q * b) / denom, ratio_im = (-q * a - p * b) / denom;
  const auto c_re = C.select(-1, 0), c_im = C.select(-1, 1);
  const auto cp_re = (c_re * ratio_re - c_im * ratio_im).unsqueeze(-1);  // C' (H, M, 1)
  const auto cp_im = (c_re * ratio_im + c_im * ratio_re).unsqueeze(-1);
  // Evaluated in chunks of positions so long sequences never hold an (H, M, L) tensor.
  constexpr int64_t kChunk = 4096;
  std::vector<torch::Tensor> pieces;
  for (int64_t start = 0; start < length; start += kChunk) {
    const auto l = torch::arange(start, std::min(length, start + kChunk), log_dt.options());
    const auto decay = (log_rho.unsqueeze(-1) * l).exp();  // rho^l, (H, M, Lc)
    const auto angle = theta.unsqueeze(-1) * l;
    pieces.push_back(2.0 * (decay * (cp_re * angle.cos() - cp_im * angle.sin())).sum(1));
  }
  return pieces.size() == 1 ? pieces[0] : torch::cat(pieces, -1);
}

torch::Tensor S4DImpl::forward(const torch::Tensor& x, ConvPath path) {
  SUBQ_CHECK(x.dim() == 3 && x.size(-1) == options.channels,
             "S4D: expected input (batch, length, {}), got shape {}", options.channels,
             fmt::join(x.sizes(), "x"));
  const int64_t L = x.size(1);
  if (path == ConvPath::Auto) path = L <= options.direct_max_length ? ConvPath::Direct : ConvPath::Fft;
  const auto z = x.transpose(1, 2);  // (B, H, L)
  const auto K = kernel(L);
  auto y = path == ConvPath::Fft ? causal_conv_fft(z, K) : causal_conv_direct(z, K);
  y = y + D.unsqueeze(-1) * z;
  y = layout_safe_gelu(y).transpose(1, 2);  // (B, L, H)
  return torch::glu(output_linear->forward(y), /*dim=*/-1);
}

void S4DImpl::for_each_linear(const LinearVisitor& visit, const std::string& prefix) {
  visit({this, "output_linear", prefix + "output_linear", &output_linear});
}

}  // namespace subq::nn
