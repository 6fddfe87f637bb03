#include "subq/analysis/jet_attention.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::analysis {

namespace {

// Per-head weights (H, L, S) restricted to the query rows `rows` and key columns `keys`.
torch::Tensor real_part(const torch::Tensor& weights, const torch::Tensor& rows,
                        const torch::Tensor& keys) {
  return weights.index_select(1, rows).index_select(2, keys).contiguous();
}

}  // namespace

std::vector<JetAttention> split_capture(const models::part::AttentionCapture& capture,
                                        const torch::Tensor& labels) {
  SUBQ_CHECK(capture.mask.defined() && capture.mask.dim() == 2,
             "attention capture has no (B, P) mask: was the forward pass run with a capture?");
  const int64_t batch = capture.mask.size(0), particles = capture.mask.size(1);
  SUBQ_CHECK(!labels.defined() || labels.numel() == batch, "attention capture: {} labels for {} jets",
             labels.defined() ? labels.numel() : 0, batch);
  for (size_t l = 0; l < capture.particle_weights.size(); ++l) {
    const auto& w = capture.particle_weights[l];
    SUBQ_CHECK(w.dim() == 4 && w.size(0) == batch && w.size(2) == particles && w.size(3) == particles,
               "attention capture: particle block {} weights have shape ({}), expected (B={}, H, {}, {})",
               l, fmt::join(w.sizes(), ", "), batch, particles, particles);
  }
  const auto mask = capture.mask.to(torch::kCPU);
  const auto label_values = labels.defined() ? labels.to(torch::kCPU).to(torch::kInt64) : torch::Tensor();
  std::vector<JetAttention> jets(batch);
  for (int64_t b = 0; b < batch; ++b) {
    auto& jet = jets[b];
    jet.label = label_values.defined() ? label_values[b].item<int64_t>() : -1;
    jet.slots = mask[b].nonzero().flatten();
    const auto real = jet.slots;
    for (size_t l = 0; l < capture.particle_weights.size(); ++l) {
      auto w = real_part(capture.particle_weights[l][b].to(torch::kCPU, torch::kFloat), real, real);
      SUBQ_CHECK(torch::isfinite(w).all().item<bool>(),
                 "attention capture: jet {} of the batch has non-finite weights in particle block {}", b, l);
      jet.particle_weights.push_back(w);
    }
    const auto class_keys = torch::cat({torch::zeros({1}, torch::kInt64), real + 1});
    for (size_t l = 0; l < capture.class_weights.size(); ++l) {
      auto w = real_part(capture.class_weights[l][b].to(torch::kCPU, torch::kFloat),
                         torch::zeros({1}, torch::kInt64), class_keys);
      SUBQ_CHECK(torch::isfinite(w).all().item<bool>(),
                 "attention capture: jet {} of the batch has non-finite weights in class block {}", b, l);
      jet.class_weights.push_back(w);
    }
    if (capture.pair_bias.defined())
      jet.pair_bias = real_part(capture.pair_bias[b].to(torch::kCPU, torch::kFloat), real, real);
  }
  return jets;
}

}  // namespace subq::analysis
