#include "subq/models/part/particle_attention.h"

#include "subq/models/part/linear_attention.h"
#include "subq/util/error.h"

namespace subq::models::part {

torch::Tensor SoftmaxAttentionKernel::forward(const torch::Tensor& q, const torch::Tensor& k,
                                              const torch::Tensor& v, const torch::Tensor& bias,
                                              const torch::Tensor& key_padding,
                                              torch::Tensor* weights_out) {
  auto logits = torch::matmul(q, k.transpose(-2, -1));  // (B, H, L, S)
  if (bias.defined()) logits.add_(bias);
  logits.masked_fill_(key_padding.unsqueeze(1).unsqueeze(2), -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(logits, -1);
  if (weights_out) *weights_out = weights.detach();
  if (is_training() && dropout_ > 0) weights = torch::dropout(weights, dropout_, true);
  return torch::matmul(weights, v);
}

std::shared_ptr<ParticleAttentionKernel> make_particle_attention(const ParticleAttentionOptions& options) {
  if (options.kind == "softmax") return std::make_shared<SoftmaxAttentionKernel>(options.dropout);
  if (options.kind == "linear") return std::make_shared<LinearAttentionKernel>(options);
  fail("unknown particle-attention kind '{}' (known: softmax, linear)", options.kind);
}

}  // namespace subq::models::part
