// The one place where differences between LibTorch versions live (Debian's 1.13 CPU build
// and the 2.x CUDA builds shipped inside PyTorch wheels). Code elsewhere calls these helpers.
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

namespace subq::compat {

constexpr bool kTorch2 = TORCH_VERSION_MAJOR >= 2;

// torch.nn.functional.scaled_dot_product_attention exists from 2.0 on; 1.13 gets the
// explicit softmax(QK^T/sqrt(d) + mask) V. Both take an additive float mask or none.
inline torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v,
                                                  const c10::optional<torch::Tensor>& additive_mask,
                                                  bool causal) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, additive_mask, 0.0, causal && !additive_mask);
#else
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (additive_mask) scores = scores + *additive_mask;
  if (causal && !additive_mask) {
    const auto L = q.size(-2), S = k.size(-2);
    auto mask = torch::ones({L, S}, torch::dtype(torch::kBool).device(q.device())).triu(S - L + 1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  return torch::matmul(torch::softmax(scores, -1), v);
#endif
}

}  // namespace subq::compat
