// The attention step of ParT's blocks, separated from the projections so it can be swapped
// (sparse / top-k / linear attention experiments) and observed (attention-map analysis).
//
// A block projects q, k, v and calls its ParticleAttentionKernel with the pair bias U and the
// key padding mask; the kernel returns the per-head mixed values. The default kernel is the
// paper's softmax(q k^T / sqrt(d) + U) v. To swap it, build another kernel and call
// ParticleTransformer::set_attention_kernel(layer, kernel) (or list them with
// for_each_attention_kernel). To observe it, pass an AttentionCapture to the model's forward.
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

class ParticleAttentionKernel : public torch::nn::Module {
 public:
  // q: (B, H, L, d) already scaled by 1/sqrt(d); k, v: (B, H, S, d); bias: (B, H, L, S) or
  // undefined; key_padding: (B, S) bool, true = padding. Returns (B, H, L, d). When
  // `weights_out` is non-null the kernel stores the (B, H, L, S) attention weights there.
  virtual torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, const torch::Tensor& bias,
                                const torch::Tensor& key_padding, torch::Tensor* weights_out) = 0;
  virtual std::string kind() const = 0;
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

// Builds the kernel a config names ("softmax"); later kinds register here.
std::shared_ptr<ParticleAttentionKernel> make_particle_attention(const std::string& kind,
                                                                 double dropout);

}  // namespace subq::models::part
