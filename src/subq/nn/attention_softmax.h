// Exact causal softmax attention with grouped-query heads, and its memory: a KV cache.
//
// The cache is preallocated with spare capacity and grown geometrically, so a decode step
// writes one position in place and attends over a narrowed view instead of concatenating
// (and reallocating) the whole cache every token. With a sliding window (Mistral) the cache
// drops keys no later query can see, so it never holds more than twice the window.
#pragma once
#include <memory>

#include <torch/torch.h>

#include "subq/nn/attention.h"

namespace subq::nn {

class KvCache : public AttentionState {
 public:
  KvCache(int64_t batch, const AttentionShape& shape, torch::Device device,
          int64_t initial_capacity = 256);
  int64_t position() const override { return dropped_ + length_; }
  std::vector<torch::Tensor> tensors() const override { return {keys(), values()}; }
  int64_t capacity() const { return k_.defined() ? k_.size(2) : 0; }
  int64_t batch() const { return batch_; }

  // Appends k, v (B, Hkv, L, d) and returns views over all cached positions (B, Hkv, S, d).
  std::pair<torch::Tensor, torch::Tensor> append(const torch::Tensor& k, const torch::Tensor& v);
  torch::Tensor keys() const;    // (B, Hkv, held positions, d): the most recent ones
  torch::Tensor values() const;
  // Drops all but the last `keep` positions once more than 2 * keep are held (amortises the
  // copy over `keep` steps); position() is unchanged.
  void drop_older_than(int64_t keep);

 private:
  void reserve(int64_t positions, const torch::Tensor& like);
  int64_t batch_;
  AttentionShape shape_;
  torch::Device device_;
  int64_t initial_capacity_;
  int64_t length_ = 0;   // positions held
  int64_t dropped_ = 0;  // positions dropped from the front (sliding window)
  torch::Tensor k_, v_;  // (B, Hkv, capacity, d); allocated on first append
};

class SoftmaxAttention : public AttentionKind {
 public:
  explicit SoftmaxAttention(AttentionShape shape) : AttentionKind(shape) {}
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        AttentionState* state) override;
  std::unique_ptr<AttentionState> make_state(int64_t batch, torch::Device device) const override;
  AttentionConfig config() const override { return AttentionConfig{}; }
};

// softmax(q k^T / sqrt(d) + causal mask) v where the L queries are the last L of the S key
// positions. Query heads are grouped over kv heads by reshaping q, not by copying k and v.
// q: (B, H, L, d); k, v: (B, Hkv, S, d) -> (B, H, L, d). With window > 0 a query sees only
// the `window` most recent keys up to itself (i - window < j <= i).
torch::Tensor causal_gqa_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, int64_t window = 0);

}  // namespace subq::nn
