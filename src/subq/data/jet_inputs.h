// Per-model inputs prepared once per dataset (not per epoch): per-particle feature arrays
// and, for graph models, kNN neighbour lists. Batches then only gather rows and trim padding.
#pragma once
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/data/jet_batch.h"
#include "subq/data/jet_dataset.h"

namespace subq::data {

struct JetInputSpec {
  std::string features = "part_kin";  // "part_kin" | "part_full" | "pcn"
  int64_t knn_k = 0;                  // 0 = no graph
  std::string knn_space = "features"; // "features" (raw node features) | "etaphi"
};

struct PreparedJets {
  JetDataset jets;
  torch::Tensor features;    // (N, C, P)
  torch::Tensor neighbours;  // (N, P, k) int64, -1 where absent; undefined without a graph
};

PreparedJets prepare_jets(JetDataset jets, const JetInputSpec& spec);

// The jets at `indices` with their prepared inputs (no recomputation).
PreparedJets subset(const PreparedJets& prepared, const torch::Tensor& indices);

// Gathers the jets at `indices` and trims padding to the largest particle count among them.
JetBatch make_batch(const PreparedJets& prepared, const torch::Tensor& indices);

}  // namespace subq::data
