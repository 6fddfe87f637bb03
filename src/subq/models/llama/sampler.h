// Picks the next token from logits: greedy (argmax), or temperature scaling followed by
// top-k and top-p (nucleus) truncation and a draw from the renormalised distribution.
// The draw uses its own seeded generator, so a seed reproduces a generation exactly.
#pragma once
#include <cstdint>
#include <random>

#include <torch/torch.h>

namespace subq::models {

struct SamplerConfig {
  bool greedy = false;
  double temperature = 1.0;  // <= 0 means greedy
  int64_t top_k = 0;         // 0 = no limit
  double top_p = 1.0;        // 1 = no limit
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(SamplerConfig config);
  // logits: (vocab,) for one sequence.
  int64_t sample(const torch::Tensor& logits);
  // The distribution sample() draws from (after temperature, top-k, top-p), for tests.
  torch::Tensor probabilities(const torch::Tensor& logits) const;
  const SamplerConfig& config() const { return config_; }

 private:
  SamplerConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace subq::models
