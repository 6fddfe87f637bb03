#include "subq/nn/feature_maps.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::nn {
namespace {

// (H, d, f) stack of rectangular identities: phi starts from the raw coordinates.
torch::Tensor rectangular_identity(int64_t n_heads, int64_t head_dim, int64_t feature_dim) {
  SUBQ_CHECK(feature_dim > 0, "feature map: feature_dim must be positive, got {}", feature_dim);
  return torch::eye(head_dim, feature_dim).unsqueeze(0).repeat({n_heads, 1, 1});
}

// x (B, H, L, d) times a per-head (H, d, f) weight -> (B, H, L, f).
torch::Tensor per_head_project(const torch::Tensor& x, const torch::Tensor& weight) {
  return torch::matmul(x, weight.unsqueeze(0));
}

void check_input(const torch::Tensor& x, const FeatureMap& map) {
  SUBQ_CHECK(x.dim() == 4 && x.size(1) == map.n_heads && x.size(3) == map.head_dim,
             "feature map: expected input (B, {}, L, {}), got {}", map.n_heads, map.head_dim,
             fmt::format("{}", fmt::join(x.sizes(), "x")));
}

const float* float_data(const torch::Tensor& t, const char* what) {
  SUBQ_CHECK(t.scalar_type() == torch::kFloat32 && t.is_contiguous(),
             "feature map: fused kernels need a contiguous float32 {}, got {}", what,
             std::string(c10::toString(t.scalar_type())));
  return t.data_ptr<float>();
}

}  // namespace

HedgehogFeatureMap::HedgehogFeatureMap(int64_t n_heads, int64_t head_dim, int64_t feature_dim)
    : FeatureMap(n_heads, head_dim), feature_dim(feature_dim) {
  weight = register_parameter("weight", rectangular_identity(n_heads, head_dim, feature_dim));
}

torch::Tensor HedgehogFeatureMap::forward(const torch::Tensor& x) {
  check_input(x, *this);
  const auto u = per_head_project(x, weight);
  return torch::cat({torch::softmax(u, -1), torch::softmax(-u, -1)}, -1)
      .clamp_min(kernels::kFeatureFloor);
}

kernels::FeatureMapArgs HedgehogFeatureMap::kernel_args() const {
  return {kernels::FeatureMapKind::kHedgehog, float_data(weight, "hedgehog weight"), nullptr,
          feature_dim, out_dim()};
}

T2RFeatureMap::T2RFeatureMap(int64_t n_heads, int64_t head_dim, int64_t feature_dim)
    : FeatureMap(n_heads, head_dim), feature_dim(feature_dim) {
  weight = register_parameter("weight", rectangular_identity(n_heads, head_dim, feature_dim));
  bias = register_parameter("bias", torch::zeros({n_heads, 1, feature_dim}));
}

torch::Tensor T2RFeatureMap::forward(const torch::Tensor& x) {
  check_input(x, *this);
  return torch::relu(per_head_project(x, weight) + bias.unsqueeze(0));
}

kernels::FeatureMapArgs T2RFeatureMap::kernel_args() const {
  return {kernels::FeatureMapKind::kT2R, float_data(weight, "t2r weight"),
          float_data(bias, "t2r bias"), feature_dim, out_dim()};
}

torch::Tensor EluFeatureMap::forward(const torch::Tensor& x) {
  check_input(x, *this);
  return torch::elu(x) + 1;
}

kernels::FeatureMapArgs EluFeatureMap::kernel_args() const {
  return {kernels::FeatureMapKind::kElu, nullptr, nullptr, 0, out_dim()};
}

std::shared_ptr<FeatureMap> make_feature_map(const std::string& name, int64_t n_heads,
                                             int64_t head_dim, int64_t feature_dim) {
  if (name == "hedgehog")
    return std::make_shared<HedgehogFeatureMap>(n_heads, head_dim, feature_dim);
  if (name == "t2r") return std::make_shared<T2RFeatureMap>(n_heads, head_dim, feature_dim);
  if (name == "elu") return std::make_shared<EluFeatureMap>(n_heads, head_dim);
  fail("unknown feature map '{}' (expected hedgehog, t2r or elu)", name);
}

}  // namespace subq::nn
