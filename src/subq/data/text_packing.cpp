#include "subq/data/text_packing.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "subq/util/error.h"

namespace subq::data {

int64_t TokenBatch::trained_tokens() const { return labels.ne(kIgnoreLabel).sum().item<int64_t>(); }

PackedChunks::PackedChunks(const std::vector<TokenizedDocument>& docs, int64_t seq_len)
    : seq_len_(seq_len) {
  SUBQ_CHECK(seq_len >= 2, "sequence length must be at least 2, got {}", seq_len);
  std::vector<int64_t> ids, targets;
  for (const auto& d : docs)
    for (size_t i = 0; i < d.ids.size(); ++i) {
      ids.push_back(d.ids[i]);
      targets.push_back(d.trained[i] ? d.ids[i] : kIgnoreLabel);
    }
  const int64_t span = seq_len + 1;  // inputs [0, L), labels [1, L]
  const int64_t n = static_cast<int64_t>(ids.size()) / span;
  SUBQ_CHECK(n > 0, "the text has {} tokens, fewer than one chunk of {}", ids.size(), span);
  auto all_ids = torch::tensor(ids, torch::kInt64).narrow(0, 0, n * span).view({n, span});
  auto all_targets = torch::tensor(targets, torch::kInt64).narrow(0, 0, n * span).view({n, span});
  input_ids_ = all_ids.narrow(1, 0, seq_len).contiguous();
  labels_ = all_targets.narrow(1, 1, seq_len).contiguous();
}

TokenBatch PackedChunks::gather(const std::vector<int64_t>& indices) const {
  auto idx = torch::tensor(indices, torch::kInt64);
  return {input_ids_.index_select(0, idx), labels_.index_select(0, idx)};
}

TokenBatch PackedChunks::slice(int64_t begin, int64_t end) const {
  SUBQ_CHECK(0 <= begin && begin < end && end <= size(), "chunk slice [{}, {}) outside 0-{}", begin,
             end, size());
  return {input_ids_.slice(0, begin, end), labels_.slice(0, begin, end)};
}

void split_documents(const std::vector<TextDocument>& docs, double val_fraction, uint64_t seed,
                     std::vector<TextDocument>* train, std::vector<TextDocument>* val) {
  SUBQ_CHECK(val_fraction >= 0 && val_fraction < 1, "validation fraction {} is not in [0, 1)",
             val_fraction);
  std::vector<size_t> order(docs.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  // Fisher-Yates with our own draws: std::shuffle's algorithm differs between libraries.
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  const auto n_val = static_cast<size_t>(val_fraction * docs.size() + 0.5);
  train->clear();
  val->clear();
  for (size_t i = 0; i < order.size(); ++i) (i < n_val ? val : train)->push_back(docs[order[i]]);
}

SampleStream::SampleStream(int64_t num_chunks, uint64_t seed) : num_chunks_(num_chunks), seed_(seed) {
  SUBQ_CHECK(num_chunks > 0, "no training chunks");
}

const std::vector<int64_t>& SampleStream::order(int64_t epoch) const {
  if (epoch != cached_epoch_) {
    cached_order_.resize(num_chunks_);
    std::iota(cached_order_.begin(), cached_order_.end(), 0);
    std::mt19937_64 rng(seed_ * 1000003u + static_cast<uint64_t>(epoch));
    for (size_t i = cached_order_.size(); i > 1; --i) std::swap(cached_order_[i - 1], cached_order_[rng() % i]);
    cached_epoch_ = epoch;
  }
  return cached_order_;
}

int64_t SampleStream::at(int64_t sample) const { return order(sample / num_chunks_)[sample % num_chunks_]; }

std::vector<int64_t> SampleStream::range(int64_t first, int64_t count) const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(at(first + i));
  return out;
}

}  // namespace subq::data
