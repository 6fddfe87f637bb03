#include "subq/nn/rope.h"

#include <cmath>

#include "subq/util/error.h"

namespace subq::nn {

RopeStyle parse_rope_style(const std::string& name) {
  if (name == "interleaved") return RopeStyle::Interleaved;
  if (name == "half") return RopeStyle::Half;
  fail("unknown RoPE style '{}' (use interleaved or half)", name);
}

const char* rope_style_name(RopeStyle style) {
  return style == RopeStyle::Interleaved ? "interleaved" : "half";
}

void RopeScaling::validate(const std::string& source) const {
  SUBQ_CHECK(type == "none" || type == "linear" || type == "llama3",
             "{}: RoPE scaling type '{}' is not implemented (known: none, linear, llama3)", source, type);
  SUBQ_CHECK(factor > 0, "{}: RoPE scaling factor {} must be positive", source, factor);
  if (type == "llama3")
    SUBQ_CHECK(high_freq_factor > low_freq_factor && low_freq_factor > 0 && original_max_positions > 0,
               "{}: llama3 RoPE scaling needs high_freq_factor > low_freq_factor > 0 and "
               "original_max_position_embeddings > 0 (got {}, {}, {})",
               source, high_freq_factor, low_freq_factor, original_max_positions);
  for (double f : freq_factors)
    SUBQ_CHECK(std::isfinite(f) && f > 0, "{}: RoPE frequency factor {} must be positive", source, f);
}

torch::Tensor rope_inv_frequencies(int64_t head_dim, double theta, const RopeScaling& s) {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto inv_freq = torch::pow(theta, -torch::arange(0, head_dim, 2, opts) / double(head_dim));
  if (s.type == "linear") inv_freq = inv_freq / s.factor;
  if (s.type == "llama3") {
    const double old_context = static_cast<double>(s.original_max_positions);
    const auto wavelength = 2 * M_PI / inv_freq;
    // 0 below the band (short wavelengths, kept), 1 above it (divided by factor), linear in
    // old_context / wavelength between.
    const auto smooth = ((old_context / wavelength - s.low_freq_factor) /
                         (s.high_freq_factor - s.low_freq_factor)).clamp(0.0, 1.0);
    inv_freq = (1 - smooth) * inv_freq / s.factor + smooth * inv_freq;
  }
  if (!s.freq_factors.empty()) {
    SUBQ_CHECK(static_cast<int64_t>(s.freq_factors.size()) == head_dim / 2,
               "RoPE: {} frequency factors for {} frequencies", s.freq_factors.size(), head_dim / 2);
    inv_freq = inv_freq / torch::tensor(s.freq_factors, opts);
  }
  return inv_freq;
}

RotaryEmbeddingImpl::RotaryEmbeddingImpl(int64_t head_dim, double theta, RopeStyle style,
                                         RopeScaling scaling)
    : head_dim(head_dim), theta(theta), style(style), scaling(std::move(scaling)) {
  SUBQ_CHECK(head_dim % 2 == 0, "RoPE needs an even head dimension, got {}", head_dim);
  this->scaling.validate("RoPE");
}

void RotaryEmbeddingImpl::ensure_table(int64_t positions, const torch::Device& device) {
  if (cos_.defined() && cos_.size(0) >= positions && cos_.device() == device) return;
  // Grow geometrically so a long generation does not rebuild the table every step.
  int64_t capacity = std::max<int64_t>(positions, 256);
  if (cos_.defined()) capacity = std::max(capacity, 2 * cos_.size(0));
  // Angles in float64 as in the reference implementations, then rounded once to float32.
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const auto inv_freq = rope_inv_frequencies(head_dim, theta, scaling);
  auto angles = torch::outer(torch::arange(capacity, opts), inv_freq);
  cos_ = angles.cos().to(torch::kFloat32).to(device);
  sin_ = angles.sin().to(torch::kFloat32).to(device);
}

torch::Tensor RotaryEmbeddingImpl::forward(const torch::Tensor& x, int64_t start) {
  const auto L = x.size(2);
  ensure_table(start + L, x.device());
  const auto cos = cos_.narrow(0, start, L).to(x.scalar_type());  // (L, d/2)
  const auto sin = sin_.narrow(0, start, L).to(x.scalar_type());
  torch::Tensor a, b;  // the two members of every pair, (B, H, L, d/2)
  if (style == RopeStyle::Interleaved) {
    const auto pairs = x.unflatten(-1, {head_dim / 2, 2});
    a = pairs.select(-1, 0);
    b = pairs.select(-1, 1);
  } else {
    a = x.narrow(-1, 0, head_dim / 2);
    b = x.narrow(-1, head_dim / 2, head_dim / 2);
  }
  const auto ra = a * cos - b * sin;
  const auto rb = a * sin + b * cos;
  if (style == RopeStyle::Interleaved) return torch::stack({ra, rb}, -1).flatten(-2);
  return torch::cat({ra, rb}, -1);
}

}  // namespace subq::nn
