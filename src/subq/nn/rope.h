// Rotary position embedding (Su et al. 2021). Each head vector is split into d/2 pairs and
// pair i at position p is rotated by p * theta^(-2i/d).
//
// Two pairings exist in checkpoints and both are supported, because the weights of q_proj
// and k_proj are stored permuted to match one or the other:
//  - Interleaved: pairs (x0,x1), (x2,x3), ... Meta's original Llama, llama2.c .bin files and
//    GGUF files (llama.cpp's converter permutes Hugging Face q/k weights back to this form).
//  - Half: pairs (x_i, x_{i+d/2}) ("rotate_half"), Hugging Face transformers checkpoints.
// Applying a Half rotation to HF weights equals applying an Interleaved rotation to the
// GGUF-permuted weights; tests check that equivalence.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::nn {

enum class RopeStyle { Interleaved, Half };
RopeStyle parse_rope_style(const std::string& name);  // "interleaved" | "half"
const char* rope_style_name(RopeStyle style);

// Context extension by changing the rotary frequencies (not the positions' pairing):
//  - "none": inv_freq_i = theta^(-2i/d).
//  - "linear": every frequency divided by `factor` (position interpolation).
//  - "llama3": Llama 3.1's rule: wavelengths shorter than original_max_positions /
//    high_freq_factor keep their frequency, longer than original_max_positions /
//    low_freq_factor are divided by `factor`, and the band between is interpolated smoothly.
// `freq_factors` (GGUF's rope_freqs.weight: one divisor per frequency, as llama.cpp stores a
// Llama 3 model's scaling) applies on top when not empty.
struct RopeScaling {
  std::string type = "none";
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_positions = 8192;
  std::vector<double> freq_factors;
  bool operator==(const RopeScaling& o) const {
    return type == o.type && factor == o.factor && low_freq_factor == o.low_freq_factor &&
           high_freq_factor == o.high_freq_factor &&
           original_max_positions == o.original_max_positions && freq_factors == o.freq_factors;
  }
  // Throws for an unknown type or factors that make no sense; `source` names the file.
  void validate(const std::string& source) const;
};

// The d/2 rotary frequencies (float64) for a head dimension, base theta and scaling.
torch::Tensor rope_inv_frequencies(int64_t head_dim, double theta, const RopeScaling& scaling);

class RotaryEmbeddingImpl : public torch::nn::Module {
 public:
  RotaryEmbeddingImpl(int64_t head_dim, double theta, RopeStyle style, RopeScaling scaling = {});
  // x: (B, H, L, d); the L positions are start, start+1, ...
  torch::Tensor forward(const torch::Tensor& x, int64_t start);

  const int64_t head_dim;
  const double theta;
  const RopeStyle style;
  const RopeScaling scaling;

 private:
  // cos/sin tables (positions, d/2), grown on demand. Deliberately not buffers: they are a
  // cache derived from theta, not weights, and must not appear in checkpoints.
  void ensure_table(int64_t positions, const torch::Device& device);
  torch::Tensor cos_, sin_;
};
TORCH_MODULE(RotaryEmbedding);

}  // namespace subq::nn
