// Stage 1 of LoLCATs, attention transfer: the base model stays frozen and one new
// attention per layer (hybrid or linear, with trainable feature maps and gates) learns to
// reproduce the layer's softmax attention output. Every layer is fed the teacher's own
// hidden states, so no gradient crosses layers and all layers train at once from one
// teacher pass. Loss = 1000 x MSE(new, softmax) over the per-head outputs before o_proj,
// averaged over layers.
#pragma once
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "subq/models/llama/llama_model.h"
#include "subq/nn/attention.h"
#include "subq/train/resumable_trainer.h"

namespace subq::transforms {

// The new attention of every layer, as one module so its parameters can be trained,
// checkpointed and saved together ("layers.3.feature_map_q.weight", ...).
class LinearizedAttentionsImpl : public torch::nn::Module {
 public:
  LinearizedAttentionsImpl(const models::LlamaConfig& config, const nn::AttentionConfig& attention);
  std::shared_ptr<nn::AttentionKind> layer(size_t i) const { return layers_.at(i); }
  size_t size() const { return layers_.size(); }
  // Makes `model` use these attentions (they then belong to both modules).
  void install(models::LlamaModelImpl& model) const;
  const nn::AttentionConfig config;

 private:
  std::vector<std::shared_ptr<nn::AttentionKind>> layers_;
};
TORCH_MODULE(LinearizedAttentions);

// Scale of the per-layer MSE in the paper's loss.
constexpr double kTransferLossScale = 1000.0;

// Sum over layers of kTransferLossScale * squared error, divided by the layer count, with
// count = elements of one layer's output: sum / count is the paper's loss. `teacher` must
// still hold its softmax attention.
train::LossSum attention_transfer_loss(models::LlamaModelImpl& teacher, LinearizedAttentionsImpl& students,
                                       const torch::Tensor& tokens);

// A block's q, k, v on its input hidden states and its softmax attention output (no grad).
struct TeacherAttention {
  torch::Tensor q, k, v, output;
};
TeacherAttention teacher_attention(models::LlamaBlockImpl& block, const torch::Tensor& hidden);

// Block-wise mode (hidden_state_cache.h): one layer's loss on its cached input hidden states
// (B, L, dim); the same per-layer term as attention_transfer_loss, not divided by the layers.
train::LossSum layer_transfer_loss(models::LlamaBlockImpl& block, nn::AttentionKind& student,
                                   const torch::Tensor& hidden);

}  // namespace subq::transforms
