#include "subq/nn/hybrid_state.h"

namespace subq::nn {

HybridAttentionState::HybridAttentionState(int64_t batch, const AttentionShape& shape,
                                           int64_t window, int64_t feature_out_dim,
                                           torch::Device device)
    : batch(batch), window(window) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  window_k = torch::zeros({batch, shape.n_kv_heads, window, shape.head_dim}, opts);
  window_v = torch::zeros({batch, shape.n_kv_heads, window, shape.head_dim}, opts);
  S = torch::zeros({batch, shape.n_heads, feature_out_dim, shape.head_dim}, opts);
  z = torch::zeros({batch, shape.n_heads, feature_out_dim}, opts);
}

}  // namespace subq::nn
