// Configuration of the Particle Chebyshev Network (Semlani et al., arXiv 2309.08630;
// github YVSemlani/PCN-Jet-Tagging). "gcnn": ChebConv in->64->64->64 with ReLU, mean over
// nodes, Linear (148,298 parameters for 16 inputs / 10 classes); "dgcnn" adds EdgeConv(64, 64)
// after each of the first two ChebConvs. The defaults are the reference; node_features, pooling
// and head_hidden are subq's options for small datasets (docs/jets.md, "PCN").
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace subq::models::pcn {

struct PcnConfig {
  std::string variant = "gcnn";     // "gcnn" | "dgcnn"
  int64_t input_dim = 16;
  int64_t num_classes = 10;
  int64_t hidden = 64;
  int64_t cheb_layers = 3;
  int64_t order = 16;               // Chebyshev order K
  double lambda_max = 2.0;
  int64_t knn_k = 3;
  std::string knn_space = "features";  // "features" (the reference) | "etaphi"
  int64_t edge_k = 3;               // dgcnn: neighbours of the dynamic EdgeConv graph
  int64_t max_particles = 128;
  std::string node_features = "raw";  // "raw" (16, the reference) | "kin" (ParT's 7 kinematic)
  std::string pooling = "mean";       // "mean" (the reference) | "mean_max"
  int64_t head_hidden = 0;            // 0: one Linear (the reference); N: Linear-ReLU-Linear

  nlohmann::json to_json() const;
  static PcnConfig from_json(const nlohmann::json& j);
};

}  // namespace subq::models::pcn
