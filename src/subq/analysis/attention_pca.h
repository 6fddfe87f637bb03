// PCA of attention matrices across jets: each jet's attention map of one layer/head, cut to
// its K leading (highest-pT) particles and zero-padded when the jet has fewer, is one point in
// K*K dimensions; the principal components show whether jets of different classes use
// different attention patterns (the "PCA of attention matrices" view of arXiv 2412.03673).
#pragma once
#include <vector>

#include <torch/torch.h>

namespace subq::analysis {

struct AttentionPca {
  torch::Tensor coordinates;                     // (N, components) projections, double
  std::vector<double> explained_variance_ratio;  // per component, of the total variance
};

// `points` (N, ...) is flattened to (N, D); needs N >= 2.
AttentionPca principal_components(const torch::Tensor& points, int64_t components = 2);

// The leading `k` x `k` block of each head's (n x n) map, zero-padded: (H, k, k).
torch::Tensor leading_block(const torch::Tensor& weights, int64_t k);

}  // namespace subq::analysis
