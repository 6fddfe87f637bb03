#include "subq/analysis/attention_pca.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::analysis {

AttentionPca principal_components(const torch::Tensor& points, int64_t components) {
  SUBQ_CHECK(points.dim() >= 1 && points.size(0) >= 2, "PCA needs at least 2 points, got {}",
             points.dim() ? points.size(0) : 0);
  auto x = points.reshape({points.size(0), -1}).to(torch::kDouble);
  x = x - x.mean(0, true);
  const auto svd = torch::linalg_svd(x, false);
  const auto& u = std::get<0>(svd);
  const auto& s = std::get<1>(svd);
  const int64_t kept = std::min<int64_t>(components, s.size(0));
  AttentionPca pca;
  pca.coordinates = u.narrow(1, 0, kept) * s.narrow(0, 0, kept);
  const double total = s.square().sum().item<double>();
  for (int64_t c = 0; c < kept; ++c)
    pca.explained_variance_ratio.push_back(total > 0 ? s[c].item<double>() * s[c].item<double>() / total : 0.0);
  return pca;
}

torch::Tensor leading_block(const torch::Tensor& weights, int64_t k) {
  SUBQ_CHECK(weights.dim() == 3 && weights.size(1) == weights.size(2),
             "leading block: expected (H, n, n) weights, got ({})", fmt::join(weights.sizes(), ", "));
  const int64_t n = std::min<int64_t>(k, weights.size(1));
  auto block = torch::zeros({weights.size(0), k, k}, weights.options());
  block.narrow(1, 0, n).narrow(2, 0, n).copy_(weights.narrow(1, 0, n).narrow(2, 0, n));
  return block;
}

}  // namespace subq::analysis
