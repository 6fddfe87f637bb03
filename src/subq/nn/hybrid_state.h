// The per-sequence memory of a hybrid (or pure linear) attention layer: fixed size, however
// many tokens it has seen. Holds the last W keys/values (a ring buffer: position p sits in
// slot p % W) and the linear state S = sum phi_k(k) v^T, z = sum phi_k(k) over every older
// key. Keys are stored per kv head (before GQA repetition); S and z per query head, since
// the feature maps are untied per query head.
#pragma once
#include "subq/nn/attention.h"

namespace subq::nn {

class HybridAttentionState : public AttentionState {
 public:
  HybridAttentionState(int64_t batch, const AttentionShape& shape, int64_t window,
                       int64_t feature_out_dim, torch::Device device);
  int64_t position() const override { return position_; }
  std::vector<torch::Tensor> tensors() const override { return {window_k, window_v, S, z}; }
  void advance(int64_t tokens) { position_ += tokens; }

  const int64_t batch, window;
  torch::Tensor window_k, window_v;  // (B, Hkv, W, d)
  torch::Tensor S;                   // (B, H, F, d)
  torch::Tensor z;                   // (B, H, F)

 private:
  int64_t position_ = 0;
};

}  // namespace subq::nn
