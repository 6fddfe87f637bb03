#include "subq/models/llama/sampler.h"

#include "subq/util/error.h"

namespace subq::models {

Sampler::Sampler(SamplerConfig config) : config_(config), rng_(config.seed) {
  SUBQ_CHECK(config_.top_k >= 0, "top-k must be >= 0, got {}", config_.top_k);
  SUBQ_CHECK(config_.top_p > 0.0 && config_.top_p <= 1.0, "top-p must be in (0, 1], got {}",
             config_.top_p);
  if (config_.temperature <= 0.0) config_.greedy = true;
}

torch::Tensor Sampler::probabilities(const torch::Tensor& logits) const {
  auto scaled = logits.detach().to(torch::kCPU, torch::kFloat64).flatten() / config_.temperature;
  const auto vocab = scaled.size(0);
  // Sort once; top-k and top-p both keep a prefix of the sorted order.
  auto [sorted, order] = scaled.sort(/*dim=*/0, /*descending=*/true);
  int64_t keep = config_.top_k > 0 ? std::min(config_.top_k, vocab) : vocab;
  auto probs = torch::softmax(sorted.narrow(0, 0, keep), 0);
  if (config_.top_p < 1.0) {
    // Smallest prefix whose mass reaches top_p (always at least one token).
    auto cumulative = probs.cumsum(0);
    const auto below = (cumulative < config_.top_p).sum().item<int64_t>();
    keep = std::min(keep, below + 1);
    probs = probs.narrow(0, 0, keep);
    probs = probs / probs.sum();
  }
  auto full = torch::zeros({vocab}, probs.options());
  full.index_put_({order.narrow(0, 0, keep)}, probs);
  return full;
}

int64_t Sampler::sample(const torch::Tensor& logits) {
  if (config_.greedy) return logits.argmax().item<int64_t>();
  const auto probs = probabilities(logits).contiguous();
  const double* p = probs.data_ptr<double>();
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  double cumulative = 0.0;
  int64_t last_nonzero = 0;
  for (int64_t i = 0; i < probs.size(0); ++i) {
    if (p[i] <= 0.0) continue;
    cumulative += p[i];
    last_nonzero = i;
    if (u < cumulative) return i;
  }
  return last_nonzero;  // rounding left u just above the total
}

}  // namespace subq::models
