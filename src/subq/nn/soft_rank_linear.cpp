#include "subq/nn/soft_rank_linear.h"

#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "subq/util/error.h"

namespace subq::nn {
namespace {

// sigmoid(t) = fraction; fraction 0 maps to t = -inf so that tau is exactly zero.
double logit(double fraction) {
  SUBQ_CHECK(fraction >= 0.0 && fraction < 1.0,
             "SoftRankLinear: threshold fraction must be in [0, 1), got {}", fraction);
  if (fraction == 0.0) return -std::numeric_limits<double>::infinity();
  return std::log(fraction / (1.0 - fraction));
}

// t above this would make sigmoid(t) round to 1 in float32 and cut the top singular value:
// clamping keeps tau strictly below max(s), so every layer keeps rank >= 1.
constexpr double kMaxThresholdLogit = 12.0;

}  // namespace

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> thin_svd(const torch::Tensor& weight) {
  SUBQ_CHECK(weight.dim() == 2, "SVD: weight must be 2-D, got {} dims", weight.dim());
  SUBQ_CHECK(torch::isfinite(weight).all().item<bool>(), "SVD: weight ({}x{}) holds NaN or Inf",
             weight.size(0), weight.size(1));
  auto [u, s, vh] = torch::linalg_svd(weight.detach().to(torch::kFloat64), /*full_matrices=*/false);
  const auto dtype = weight.scalar_type();
  return {u.to(dtype).contiguous(), s.to(dtype).contiguous(),
          vh.transpose(0, 1).to(dtype).contiguous()};
}

SoftRankLinear::SoftRankLinear(const torch::Tensor& weight, c10::optional<torch::Tensor> b,
                               double threshold_fraction)
    : SoftRankLinear(thin_svd(weight), std::move(b), threshold_fraction) {}

SoftRankLinear::SoftRankLinear(std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> usv,
                               c10::optional<torch::Tensor> b, double threshold_fraction)
    : SoftRankLinear(std::get<0>(usv), std::get<1>(usv), std::get<2>(usv), std::move(b),
                     threshold_fraction) {}

SoftRankLinear::SoftRankLinear(torch::Tensor u, torch::Tensor sv, torch::Tensor v,
                               c10::optional<torch::Tensor> b, double threshold_fraction)
    : LinearLayer(v.size(0), u.size(0)) {
  SUBQ_CHECK(u.dim() == 2 && v.dim() == 2 && sv.dim() == 1 && u.size(1) == sv.size(0) &&
                 v.size(1) == sv.size(0),
             "SoftRankLinear: factors U {} s {} V {} do not fit together",
             fmt::join(u.sizes(), "x"), fmt::join(sv.sizes(), "x"), fmt::join(v.sizes(), "x"));
  U = register_parameter("U", u.contiguous());
  s = register_parameter("s", sv.contiguous());
  V = register_parameter("V", v.contiguous());
  t = register_parameter("t", torch::full({}, logit(threshold_fraction), sv.options()));
  if (b) bias = register_parameter("bias", b->detach().clone());
}

std::shared_ptr<SoftRankLinear> SoftRankLinear::from_layer(const LinearLayer& layer,
                                                           double threshold_fraction) {
  return std::make_shared<SoftRankLinear>(layer.effective_weight(), layer.effective_bias(),
                                          threshold_fraction);
}

torch::Tensor SoftRankLinear::threshold() const {
  // max(s) is detached: the threshold is a fraction of the current spectrum's scale, and
  // letting the penalty shrink s_max to lower tau would fight the task loss for no benefit.
  const auto s_max = s.detach().max().clamp_min(0.0);
  return torch::sigmoid(t.clamp_max(kMaxThresholdLogit)) * s_max;
}

torch::Tensor SoftRankLinear::kept_singular_values() const {
  return torch::relu(s - threshold());
}

torch::Tensor SoftRankLinear::forward(const torch::Tensor& x) {
  auto y = torch::matmul(torch::matmul(x, V) * kept_singular_values(), U.transpose(0, 1));
  return bias.defined() ? y + bias : y;
}

torch::Tensor SoftRankLinear::effective_weight() const {
  return torch::matmul(U * kept_singular_values(), V.transpose(0, 1));
}

c10::optional<torch::Tensor> SoftRankLinear::effective_bias() const {
  return bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt;
}

torch::Tensor SoftRankLinear::smooth_rank(double temperature) const {
  SUBQ_CHECK(temperature > 0.0, "SoftRankLinear: temperature must be positive, got {}",
             temperature);
  // Singular values are compared relative to max(s) so that one temperature fits every
  // layer regardless of its weight scale.
  const auto scale = s.detach().max().clamp_min(1e-12);
  return torch::sigmoid((s - threshold()) / (scale * temperature)).sum();
}

torch::Tensor SoftRankLinear::smooth_parameters(double temperature) const {
  return smooth_rank(temperature) * static_cast<double>(in_features + out_features);
}

void SoftRankLinear::compensate_shrinkage() {
  torch::NoGradGuard no_grad;
  const auto tau = threshold();
  if (tau.item<double>() <= 0.0) return;
  s.add_(torch::where(s > tau, tau, torch::zeros_like(s)));
  // tau is a fraction of max(s), which just grew by tau: pick the fraction that keeps tau.
  const auto fraction = tau / s.max();
  t.copy_(torch::log(fraction / (1 - fraction)));
}

int64_t SoftRankLinear::rank() const {
  torch::NoGradGuard no_grad;
  return std::max<int64_t>(1, (kept_singular_values() > 0).sum().item<int64_t>());
}

}  // namespace subq::nn
