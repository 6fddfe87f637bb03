#include "subq/nn/attention_hybrid.h"

#include <cmath>

#include <fmt/ranges.h>

#include "subq/kernels/hybrid_attention_dispatch.h"
#include "subq/util/error.h"

namespace subq::nn {
namespace {

// gamma starts at 0.1: the window and the linear part begin on comparable footing.
constexpr double kInitialGate = 0.1;

AttentionConfig validated(AttentionConfig config, const AttentionShape& shape) {
  SUBQ_CHECK(shape.n_heads > 0 && shape.n_kv_heads > 0 && shape.head_dim > 0 &&
                 shape.n_heads % shape.n_kv_heads == 0,
             "hybrid attention: bad shape ({} heads, {} kv heads, head dim {})", shape.n_heads,
             shape.n_kv_heads, shape.head_dim);
  if (config.kind == "linear") {
    config.window = 0;  // everything is in the linear part
    config.window_kind = "sw";
    return config;
  }
  SUBQ_CHECK(config.kind == "hybrid", "hybrid attention: cannot build attention kind '{}'",
             config.kind);
  SUBQ_CHECK(config.window >= 1, "hybrid attention: window must be >= 1, got {}", config.window);
  SUBQ_CHECK(config.window_kind == "sw" || config.window_kind == "tk",
             "hybrid attention: unknown window_kind '{}' (expected sw or tk)", config.window_kind);
  return config;
}

std::string shape_of(const torch::Tensor& t) { return fmt::format("{}", fmt::join(t.sizes(), "x")); }

float* float_ptr(const torch::Tensor& t) { return t.data_ptr<float>(); }

}  // namespace

HybridAttention::HybridAttention(const AttentionShape& shape, const AttentionConfig& config)
    : AttentionKind(shape),
      config_(validated(config, shape)),
      window_kind_(config_.window_kind == "tk" ? kernels::WindowKind::kTerraced
                                               : kernels::WindowKind::kSliding) {
  const auto make_map = [&](const char* name) {
    return register_module(name, make_feature_map(config_.feature_map, shape.n_heads,
                                                  shape.head_dim, config_.feature_dim));
  };
  feature_map_q = make_map("feature_map_q");
  feature_map_k = make_map("feature_map_k");
  if (window() > 0) {
    const double logit = std::log(kInitialGate / (1.0 - kInitialGate));
    gate_logit = register_parameter("gate_logit", torch::full({shape.n_heads}, logit));
  }
}

torch::Tensor HybridAttention::gate() const {
  return gate_logit.defined() ? torch::sigmoid(gate_logit) : torch::Tensor();
}

std::unique_ptr<AttentionState> HybridAttention::make_state(int64_t batch,
                                                            torch::Device device) const {
  return std::make_unique<HybridAttentionState>(batch, shape, window(), feature_map_k->out_dim(),
                                                device);
}

void HybridAttention::check_inputs(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v) const {
  SUBQ_CHECK(q.dim() == 4 && q.size(1) == shape.n_heads && q.size(3) == shape.head_dim,
             "hybrid attention: q must be (B, {}, L, {}), got {}", shape.n_heads, shape.head_dim,
             shape_of(q));
  const std::vector<int64_t> kv_shape{q.size(0), shape.n_kv_heads, q.size(2), shape.head_dim};
  SUBQ_CHECK(k.sizes() == kv_shape && v.sizes() == kv_shape,
             "hybrid attention: k and v must be {}, got {} and {}",
             fmt::format("{}", fmt::join(kv_shape, "x")), shape_of(k), shape_of(v));
}

torch::Tensor HybridAttention::forward(const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, AttentionState* state) {
  check_inputs(q, k, v);
  if (!state) {
    // The fused kernels are float32 and not differentiable.
    if (torch::GradMode::is_enabled() || q.scalar_type() != torch::kFloat32)
      return forward_quadratic(q, k, v);
    HybridAttentionState scratch(q.size(0), shape, window(), feature_map_k->out_dim(),
                                 q.device());
    return forward_chunked(q, k, v, scratch);
  }
  auto* hybrid_state = dynamic_cast<HybridAttentionState*>(state);
  SUBQ_CHECK(hybrid_state, "hybrid attention: the state was not made by a hybrid attention");
  SUBQ_CHECK(!torch::GradMode::is_enabled() ||
                 !(q.requires_grad() || k.requires_grad() || v.requires_grad()),
             "hybrid attention: the stateful (prefill/decode) forms are not differentiable; "
             "train without a state or run under torch::NoGradGuard");
  return q.size(2) == 1 ? forward_recurrent(q, k, v, *hybrid_state)
                        : forward_chunked(q, k, v, *hybrid_state);
}

torch::Tensor HybridAttention::window_starts(int64_t length, const torch::Device& device) const {
  const auto i = torch::arange(length, torch::dtype(torch::kInt64).device(device)).unsqueeze(1);
  const int64_t W = window();
  if (W == 0) return i + 1;
  if (window_kind_ == kernels::WindowKind::kTerraced)
    return (torch::div(i, W, "floor") * W - W).clamp_min(0);
  return (i - W + 1).clamp_min(0);
}

torch::Tensor HybridAttention::forward_quadratic(const torch::Tensor& q, const torch::Tensor& k_in,
                                                 const torch::Tensor& v_in) {
  check_inputs(q, k_in, v_in);
  const int64_t groups = shape.n_heads / shape.n_kv_heads, L = q.size(2);
  const auto k = repeat_kv(k_in, groups), v = repeat_kv(v_in, groups);
  const auto starts = window_starts(L, q.device());                    // (L, 1)
  const auto j = torch::arange(L, starts.options()).unsqueeze(0);      // (1, L)
  const auto i = torch::arange(L, starts.options()).unsqueeze(1);      // (L, 1)
  const auto is_linear = j < starts;
  const auto in_window = (j >= starts) & (j <= i);

  auto weights = torch::matmul(feature_map_q->forward(q), feature_map_k->forward(k).transpose(-2, -1))
                     .masked_fill(is_linear.logical_not(), 0.0);
  if (window() > 0) {
    const auto scores = (torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(shape.head_dim)))
                            .masked_fill(in_window.logical_not(), -INFINITY);
    const auto c = std::get<0>(scores.max(-1, /*keepdim=*/true));  // over the window only
    weights = weights + gate().view({1, -1, 1, 1}) * torch::exp(scores - c);
  }
  return torch::matmul(weights, v) /
         weights.sum(-1, /*keepdim=*/true).clamp_min(kernels::kDenominatorFloor);
}

void HybridAttention::check_state(const HybridAttentionState& state, const torch::Tensor& q) const {
  SUBQ_CHECK(state.batch == q.size(0) && state.window == window() &&
                 state.S.size(2) == feature_map_k->out_dim() && state.S.device() == q.device(),
             "hybrid attention: state (batch {}, window {}, {} features, {}) does not match this "
             "call (batch {}, window {}, {} features, {})",
             state.batch, state.window, state.S.size(2), state.S.device().str(), q.size(0),
             window(), feature_map_k->out_dim(), q.device().str());
  SUBQ_CHECK(q.scalar_type() == torch::kFloat32,
             "hybrid attention: the fused kernels take float32 q/k/v, got {}",
             std::string(c10::toString(q.scalar_type())));
}

kernels::HybridCallArgs HybridAttention::kernel_args(const torch::Tensor& q, const torch::Tensor& k,
                                                     const torch::Tensor& v,
                                                     HybridAttentionState& state,
                                                     const torch::Tensor& gate,
                                                     const torch::Tensor& out) const {
  kernels::HybridCallArgs a;
  a.dims = {q.size(0), shape.n_heads, shape.n_kv_heads, shape.head_dim, window(),
            state.position() == 0 ? window_kind_ : kernels::WindowKind::kSliding};
  a.phi_q = feature_map_q->kernel_args();
  a.phi_k = feature_map_k->kernel_args();
  a.gate = gate.defined() ? float_ptr(gate) : nullptr;
  a.q = float_ptr(q);
  a.k = float_ptr(k);
  a.v = float_ptr(v);
  a.length = q.size(2);
  a.out = float_ptr(out);
  a.state = {float_ptr(state.window_k), float_ptr(state.window_v), float_ptr(state.S),
             float_ptr(state.z), state.position()};
  return a;
}

torch::Tensor HybridAttention::run_fused(kernels::HybridForm form, const torch::Tensor& q_in,
                                         const torch::Tensor& k_in, const torch::Tensor& v_in,
                                         HybridAttentionState& state) {
  check_inputs(q_in, k_in, v_in);
  check_state(state, q_in);
  torch::NoGradGuard no_grad;
  const auto q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  const auto g = gate_logit.defined() ? gate().contiguous() : torch::Tensor();
  auto out = torch::empty_like(q);
  kernels::run_hybrid_kernel(form, kernel_args(q, k, v, state, g, out), q.device());
  state.advance(q.size(2));
  return out;
}

torch::Tensor HybridAttention::forward_chunked(const torch::Tensor& q, const torch::Tensor& k,
                                               const torch::Tensor& v,
                                               HybridAttentionState& state) {
  return run_fused(kernels::HybridForm::kChunkedPrefill, q, k, v, state);
}

torch::Tensor HybridAttention::forward_recurrent(const torch::Tensor& q, const torch::Tensor& k,
                                                 const torch::Tensor& v,
                                                 HybridAttentionState& state) {
  SUBQ_CHECK(q.size(2) == 1, "hybrid attention: the recurrent form takes one token, got {}",
             q.size(2));
  return run_fused(kernels::HybridForm::kRecurrentStep, q, k, v, state);
}

}  // namespace subq::nn
