// ParT's pair features (Qu et al. 2022; weaver's pairwise_lv_fts) for every pair i >= j, packed
// row-major (index i (i + 1) / 2 + j) as (B, T, 4) float32 in the order [ln kT, ln z,
// ln delta, ln m^2], each argument clamped >= eps before the log. Computed where the
// four-vectors live, so a ParT forward never leaves its device: a fused loop on the CPU, the
// same formulas as tensor operations (float64) on any other device. ParT calls
// pair_features_packed; the two forms are public so tests can hold them against each other.
#pragma once
#include <torch/torch.h>

namespace subq::kernels {

// four_vectors (B, 4, P) (px, py, pz, E); padded particles are zero vectors, as in weaver.
torch::Tensor pair_features_packed(const torch::Tensor& four_vectors, double eps = 1e-8);
torch::Tensor pair_features_packed_cpu(const torch::Tensor& four_vectors, double eps = 1e-8);
torch::Tensor pair_features_packed_tensor(const torch::Tensor& four_vectors, double eps = 1e-8);
// Dense (B, 4, P, P) pair features (analysis and tests).
torch::Tensor pair_features_dense(const torch::Tensor& four_vectors, double eps = 1e-8);

}  // namespace subq::kernels
