// Packs tokenized documents into fixed-length training chunks and serves deterministic,
// resumable batches from them. A chunk holds `seq_len` input tokens and their next-token
// labels (kIgnoreLabel where the target is a prompt token). Documents are concatenated in
// order and cut every seq_len + 1 tokens, so no token is wasted and no padding is needed.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "subq/data/text_dataset.h"

namespace subq::data {

struct TokenBatch {
  torch::Tensor input_ids;  // (B, L) int64
  torch::Tensor labels;     // (B, L) int64, kIgnoreLabel where not trained
  int64_t trained_tokens() const;
};

class PackedChunks {
 public:
  PackedChunks() = default;
  PackedChunks(const std::vector<TokenizedDocument>& docs, int64_t seq_len);
  int64_t size() const { return input_ids_.defined() ? input_ids_.size(0) : 0; }
  int64_t seq_len() const { return seq_len_; }
  // Rows `indices` of the chunk table.
  TokenBatch gather(const std::vector<int64_t>& indices) const;
  // Chunks [begin, end) in file order (validation).
  TokenBatch slice(int64_t begin, int64_t end) const;

 private:
  torch::Tensor input_ids_, labels_;
  int64_t seq_len_ = 0;
};

// Deterministic train/validation split of documents: a seeded shuffle, then the first
// `val_fraction` of them go to validation.
void split_documents(const std::vector<TextDocument>& docs, double val_fraction, uint64_t seed,
                     std::vector<TextDocument>* train, std::vector<TextDocument>* val);

// An endless stream of chunk indices: epoch e visits the chunks in a permutation seeded by
// (seed, e). Sample number n of the stream is fixed, so a run resumes exactly from a counter.
class SampleStream {
 public:
  SampleStream(int64_t num_chunks, uint64_t seed);
  int64_t at(int64_t sample) const;
  // The chunk indices of samples [first, first + count).
  std::vector<int64_t> range(int64_t first, int64_t count) const;

 private:
  const std::vector<int64_t>& order(int64_t epoch) const;
  int64_t num_chunks_;
  uint64_t seed_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> cached_order_;
};

}  // namespace subq::data
