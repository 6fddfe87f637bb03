#include "subq/models/lyra/bio_model.h"

namespace subq::models {

int64_t BioSequenceModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters(true)) n += p.numel();
  return n;
}

torch::Tensor residue_mask(const torch::Tensor& x) {
  return (x.abs().sum(-1) > 0).to(x.dtype());
}

torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& mask) {
  const auto m = mask.unsqueeze(-1);
  return (h * m).sum(1) / m.sum(1).clamp_min(1.0);
}

}  // namespace subq::models
