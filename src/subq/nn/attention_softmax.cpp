#include "subq/nn/attention_softmax.h"

#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "subq/util/error.h"

namespace subq::nn {

KvCache::KvCache(int64_t batch, const AttentionShape& shape, torch::Device device,
                 int64_t initial_capacity)
    : batch_(batch), shape_(shape), device_(device), initial_capacity_(initial_capacity) {}

void KvCache::reserve(int64_t positions, const torch::Tensor& like) {
  if (positions <= capacity()) return;
  const int64_t new_capacity = std::max({positions, 2 * capacity(), initial_capacity_});
  auto opts = like.options().device(device_);
  auto grow = [&](const torch::Tensor& old) {
    auto fresh = torch::empty({batch_, shape_.n_kv_heads, new_capacity, shape_.head_dim}, opts);
    if (old.defined() && length_ > 0) fresh.narrow(2, 0, length_).copy_(old.narrow(2, 0, length_));
    return fresh;
  };
  k_ = grow(k_);
  v_ = grow(v_);
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  SUBQ_CHECK(k.size(0) == batch_ && k.size(1) == shape_.n_kv_heads && k.size(3) == shape_.head_dim,
             "KV cache for batch {} x {} kv heads x dim {} got keys of shape [{}]", batch_,
             shape_.n_kv_heads, shape_.head_dim, fmt::join(k.sizes(), ", "));
  const auto L = k.size(2);
  reserve(length_ + L, k);
  k_.narrow(2, length_, L).copy_(k);
  v_.narrow(2, length_, L).copy_(v);
  length_ += L;
  return {keys(), values()};
}

void KvCache::drop_older_than(int64_t keep) {
  if (keep <= 0 || length_ <= 2 * keep) return;
  // clone: source and destination ranges of the copy may overlap.
  k_.narrow(2, 0, keep).copy_(k_.narrow(2, length_ - keep, keep).clone());
  v_.narrow(2, 0, keep).copy_(v_.narrow(2, length_ - keep, keep).clone());
  dropped_ += length_ - keep;
  length_ = keep;
}

torch::Tensor KvCache::keys() const {
  return k_.defined() ? k_.narrow(2, 0, length_) : torch::Tensor();
}
torch::Tensor KvCache::values() const {
  return v_.defined() ? v_.narrow(2, 0, length_) : torch::Tensor();
}

torch::Tensor causal_gqa_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, int64_t window) {
  const auto B = q.size(0), H = q.size(1), L = q.size(2), d = q.size(3);
  const auto Hkv = k.size(1), S = k.size(2);
  SUBQ_CHECK(H % Hkv == 0, "attention: {} query heads are not a multiple of {} kv heads", H, Hkv);
  SUBQ_CHECK(S >= L, "attention: {} queries but only {} keys", L, S);
  const auto groups = H / Hkv;
  // (B, H, L, d) -> (B, Hkv, groups*L, d): heads h = kv*groups + g share kv head `kv`.
  const auto qg = q.reshape({B, Hkv, groups * L, d});
  auto scores = torch::matmul(qg, k.transpose(-2, -1)).mul_(1.0 / std::sqrt(double(d)));
  const bool windowed = window > 0 && S > window;
  if (L > 1 || windowed) {
    // Query i sits at position S - L + i and sees keys 0 .. S - L + i; with a window, only
    // keys after S - L + i - window.
    const auto ones = torch::ones({L, S}, torch::dtype(torch::kBool).device(q.device()));
    auto future = ones.triu(S - L + 1);
    if (windowed) future = future.logical_or(ones.tril(S - L - window));
    scores = scores.view({B, Hkv, groups, L, S})
                 .masked_fill_(future, -std::numeric_limits<float>::infinity())
                 .view({B, Hkv, groups * L, S});
  }
  return torch::matmul(torch::softmax(scores, -1), v).view({B, H, L, d});
}

torch::Tensor SoftmaxAttention::forward(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v, AttentionState* state) {
  const int64_t window = shape.sliding_window;
  if (state == nullptr) return causal_gqa_attention(q, k, v, window);
  auto* cache = dynamic_cast<KvCache*>(state);
  SUBQ_CHECK(cache != nullptr, "softmax attention was given a state that is not a KV cache");
  const auto [keys, values] = cache->append(k, v);
  auto out = causal_gqa_attention(q, keys, values, window);
  cache->drop_older_than(window);
  return out;
}

std::unique_ptr<AttentionState> SoftmaxAttention::make_state(int64_t batch,
                                                             torch::Device device) const {
  return std::make_unique<KvCache>(batch, shape, device);
}

}  // namespace subq::nn
