// One jet's attention maps cut out of a batch capture (models/part AttentionCapture), keeping
// only its real particles: analysis code then works on dense n x n matrices without masks.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "subq/models/part/particle_attention.h"

namespace subq::analysis {

struct JetAttention {
  int64_t label = -1;                           // class index, -1 = unknown
  torch::Tensor slots;                          // (n) int64: batch/dataset particle slot of each row
  std::vector<torch::Tensor> particle_weights;  // per particle block: (H, n, n) float
  std::vector<torch::Tensor> class_weights;     // per class block: (H, 1, 1 + n), key 0 = class token
  torch::Tensor pair_bias;                      // U: (H, n, n)
  int64_t particles() const { return slots.size(0); }
};

// Splits a batch capture into its jets. `labels` (B) int64 may be undefined (labels -1).
// Checks shapes and that every weight is finite (a NaN names the jet and layer).
std::vector<JetAttention> split_capture(const models::part::AttentionCapture& capture,
                                        const torch::Tensor& labels);

}  // namespace subq::analysis
