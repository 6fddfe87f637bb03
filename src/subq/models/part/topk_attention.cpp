#include "subq/models/part/topk_attention.h"

#include <limits>

#include "subq/util/error.h"

namespace subq::models::part {

TopKAttentionKernel::TopKAttentionKernel(int64_t k) : k_(k) {
  SUBQ_CHECK(k >= 1, "top-k attention needs k >= 1, got {}", k);
}

torch::Tensor TopKAttentionKernel::forward(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v, const torch::Tensor& bias,
                                           const torch::Tensor& key_padding,
                                           torch::Tensor* weights_out) {
  const float minus_inf = -std::numeric_limits<float>::infinity();
  auto logits = torch::matmul(q, k.transpose(-2, -1));  // (B, H, L, S)
  if (bias.defined()) logits.add_(bias);
  logits.masked_fill_(key_padding.unsqueeze(1).unsqueeze(2), minus_inf);
  const int64_t keep = std::min<int64_t>(k_, logits.size(-1));
  // The k-th largest logit of each row; ties at the threshold are all kept. Rows with fewer
  // than k real keys have a -inf threshold and keep every real key.
  const auto threshold = std::get<0>(logits.topk(keep, -1)).narrow(-1, keep - 1, 1);
  logits.masked_fill_(logits < threshold, minus_inf);
  auto weights = torch::softmax(logits, -1);
  if (weights_out) *weights_out = weights.detach();
  return torch::matmul(weights, v);
}

}  // namespace subq::models::part
