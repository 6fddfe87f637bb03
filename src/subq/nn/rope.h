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

#include <torch/torch.h>

namespace subq::nn {

enum class RopeStyle { Interleaved, Half };
RopeStyle parse_rope_style(const std::string& name);  // "interleaved" | "half"
const char* rope_style_name(RopeStyle style);

class RotaryEmbeddingImpl : public torch::nn::Module {
 public:
  RotaryEmbeddingImpl(int64_t head_dim, double theta, RopeStyle style);
  // x: (B, H, L, d); the L positions are start, start+1, ...
  torch::Tensor forward(const torch::Tensor& x, int64_t start);

  const int64_t head_dim;
  const double theta;
  const RopeStyle style;

 private:
  // cos/sin tables (positions, d/2), grown on demand. Deliberately not buffers: they are a
  // cache derived from theta, not weights, and must not appear in checkpoints.
  void ensure_table(int64_t positions, const torch::Device& device);
  torch::Tensor cos_, sin_;
};
TORCH_MODULE(RotaryEmbedding);

}  // namespace subq::nn
