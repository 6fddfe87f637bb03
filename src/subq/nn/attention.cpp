#include "subq/nn/attention.h"

namespace subq::nn {

int64_t AttentionState::bytes() const {
  int64_t n = 0;
  for (const auto& t : tensors())
    if (t.defined()) n += t.numel() * t.element_size();
  return n;
}

torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups) {
  if (groups == 1) return x;
  const auto B = x.size(0), H = x.size(1), L = x.size(2), D = x.size(3);
  return x.unsqueeze(2).expand({B, H, groups, L, D}).reshape({B, H * groups, L, D});
}

}  // namespace subq::nn
