// The attention step of ParT's blocks, separated from the projections so it can be swapped
// (sparse / top-k / linear attention experiments) and observed (attention-map analysis).
//
// A block projects q, k, v and calls its ParticleAttentionKernel with the pair bias U and the
// key padding mask; the kernel returns the per-head mixed values. The default kernel is the
// paper's softmax(q k^T / sqrt(d) + U) v. Kernels that form the pair interaction themselves
// (the linearized kernel, linear_attention.h) take the per-particle inputs U is built from
// instead of U; when no particle block needs U the model skips the pair embedding. To swap a
// kernel, build another one and call ParticleTransformer::set_attention_kernel(layer, kernel)
// (or list them with for_each_attention_kernel). To observe it, pass an AttentionCapture to
// the model's forward.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::models::part {

// What one forward pass leaves behind when a capture is requested (all detached, CPU).
struct AttentionCapture {
  std::vector<torch::Tensor> particle_weights;  // per particle block: (B, H, P, P) softmax weights
  std::vector<torch::Tensor> class_weights;     // per class block: (B, H, 1, 1 + P), key 0 = class token
  torch::Tensor pair_bias;                      // U: (B, H, P, P), shared by all particle blocks
  torch::Tensor mask;                           // (B, P) bool, real particles
  void clear() { *this = AttentionCapture{}; }
};

// What a particle block offers a kernel besides q, k, v.
struct PairInputs {
  torch::Tensor bias;       // U: (B, H, L, S), undefined when no kernel of the model uses it
  torch::Tensor particles;  // per-particle inputs (B, S, C) (ParT's standardised features)
};

class ParticleAttentionKernel : public torch::nn::Module {
 public:
  // q: (B, H, L, d) already scaled by 1/sqrt(d); k, v: (B, H, S, d); bias: (B, H, L, S) or
  // undefined; key_padding: (B, S) bool, true = padding. Returns (B, H, L, d). When
  // `weights_out` is non-null the kernel stores the (B, H, L, S) attention weights there.
  virtual torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, const torch::Tensor& bias,
                                const torch::Tensor& key_padding, torch::Tensor* weights_out) = 0;
  virtual std::string kind() const = 0;
  // The blocks' entry point. Kernels that need the per-particle inputs override it; the
  // default hands U to forward().
  virtual torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const PairInputs& pair,
                               const torch::Tensor& key_padding, torch::Tensor* weights_out) {
    return forward(q, k, v, pair.bias, key_padding, weights_out);
  }
  // False for kernels that never read U, so the model can skip building it (P x P).
  virtual bool uses_pair_bias() const { return true; }
};

// softmax(q k^T + bias, masked) with dropout on the weights (training only), then @ v.
class SoftmaxAttentionKernel : public ParticleAttentionKernel {
 public:
  explicit SoftmaxAttentionKernel(double dropout) : dropout_(dropout) {}
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, const torch::Tensor& key_padding,
                        torch::Tensor* weights_out) override;
  std::string kind() const override { return "softmax"; }

 private:
  double dropout_;
};

// What make_particle_attention needs to build any kind; the block fills heads and head_dim.
struct ParticleAttentionOptions {
  std::string kind = "softmax";  // "softmax" | "linear"
  double dropout = 0;            // softmax: dropout on the weights (training only)
  int64_t heads = 1, head_dim = 1;
  // "linear" (linear_attention.h): Hedgehog size f (phi has 2f entries), pair-kernel
  // features G (0 = no pair kernel) and the per-particle input width they are built from.
  int64_t feature_dim = 8, pair_features = 8, particle_dim = 7;
};

// The particle (jet) attention registry: builds the kernel `options.kind` names; later kinds
// register here. LMs have their own registry, nn::make_lm_attention, whose "linear" is the
// causal hybrid module with no window.
std::shared_ptr<ParticleAttentionKernel> make_particle_attention(const ParticleAttentionOptions& options);

}  // namespace subq::models::part
