// One mini-batch as every jet tagger consumes it. Padding is trimmed to the largest particle
// count in the batch (top-tagging jets have ~50 particles out of 128 slots), which is where
// most of the CPU time would otherwise go.
#pragma once
#include <torch/torch.h>

namespace subq::data {

struct JetBatch {
  torch::Tensor features;      // (B, C, P) per-particle inputs, zero at padding
  torch::Tensor four_vectors;  // (B, 4, P) px, py, pz, E
  torch::Tensor mask;          // (B, P) bool, true = real particle
  torch::Tensor neighbours;    // (B, P, k) int64 kNN indices (-1 = none); graph models only
  torch::Tensor labels;        // (B) int64
  int64_t size() const { return labels.size(0); }
  int64_t particles() const { return mask.size(1); }
};

}  // namespace subq::data
