#include "subq/models/part/pair_feature_map.h"

#include "subq/nn/gelu.h"
#include "subq/util/error.h"

namespace subq::models::part {

PairFeatureMap::PairFeatureMap(int64_t input_dim, int64_t heads, int64_t features, int64_t hidden)
    : heads_(heads), features_(features) {
  SUBQ_CHECK(input_dim > 0 && heads > 0 && features > 0 && hidden > 0,
             "pair feature map: sizes must be positive (inputs {}, heads {}, features {}, hidden {})",
             input_dim, heads, features, hidden);
  hidden_ = register_module("hidden", torch::nn::Linear(input_dim, hidden));
  out_ = register_module("out", torch::nn::Linear(hidden, heads * features));
  torch::NoGradGuard no_grad;
  out_->weight.zero_();
  out_->bias.zero_();
}

torch::Tensor PairFeatureMap::forward(const torch::Tensor& particles) {
  SUBQ_CHECK(particles.dim() == 3 && particles.size(2) == hidden_->options.in_features(),
             "pair feature map: expected particles (B, P, {}), got ({})",
             hidden_->options.in_features(), fmt::join(particles.sizes(), ", "));
  const int64_t batch = particles.size(0), count = particles.size(1);
  // The clamp keeps sums over ~100 keys of products of two psi far from float32 overflow.
  const auto a = out_(nn::layout_safe_gelu(hidden_(particles))).clamp(-10.0, 10.0);
  return a.exp().view({batch, count, heads_, features_}).permute({0, 2, 1, 3});
}

}  // namespace subq::models::part
