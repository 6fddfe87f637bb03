// Graph inputs of the Particle Chebyshev Network (Semlani et al., arXiv 2309.08630): 16 raw
// node features per particle and k-nearest-neighbour lists, computed once per dataset.
#pragma once
#include <string>

#include <torch/torch.h>

#include "subq/data/jet_dataset.h"

namespace subq::data {

constexpr int64_t kPcnNodeFeatures = 16;

// (N, 16, P): px, py, pz, E, pT, delta eta, delta phi, d0val, d0err, dzval, dzerr and the five
// particle-ID flags (charged hadron, neutral hadron, photon, electron, muon). The last nine are
// zero when the dataset has no such arrays (top tagging). Zero at padding.
torch::Tensor pcn_node_features(const JetDataset& jets);

// (N, 2, P) delta eta, delta phi to the jet axis (for eta-phi kNN graphs and drawings).
torch::Tensor eta_phi_coordinates(const JetDataset& jets);

enum class KnnSpace { features, etaphi };
KnnSpace parse_knn_space(const std::string& name);  // "features" | "etaphi"

// For each real particle, the indices of its k nearest other real particles by Euclidean
// distance over `coordinates` (N, C, P); (N, P, k) int64, -1 where a jet has fewer than k + 1
// particles and at padded slots. Ties keep the lower index (deterministic).
torch::Tensor knn_neighbours(const torch::Tensor& coordinates, const torch::Tensor& mask, int64_t k);

}  // namespace subq::data
