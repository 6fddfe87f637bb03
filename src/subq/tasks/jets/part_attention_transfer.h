// Attention transfer for ParT (LoLCATs stage 1, docs/lolcats.md, applied to particle blocks):
// with the trained model frozen, train only the linear kernels' parameters (Hedgehog maps,
// pair feature map) so each block's linear attention output matches the softmax output it
// replaces, per head and before the output projection. During transfer each block runs a
// TransferKernel that computes both and passes the teacher's output on, so every block sees
// exactly the teacher's inputs (q, k, v, U, particles), as in the trained model.
#pragma once
#include <memory>

#include <nlohmann/json.hpp>

#include "subq/data/jet_inputs.h"
#include "subq/models/part/particle_transformer.h"

namespace subq::tasks::jets {

// Teacher (softmax) and student kernels of one block; returns the teacher's output and keeps
// the student's MSE to it over real query rows as `loss` (of the latest call).
class TransferKernel : public models::part::ParticleAttentionKernel {
 public:
  TransferKernel(std::shared_ptr<models::part::ParticleAttentionKernel> teacher,
                 std::shared_ptr<models::part::ParticleAttentionKernel> student);
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const models::part::PairInputs& pair, const torch::Tensor& key_padding,
                       torch::Tensor* weights_out) override;
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, const torch::Tensor& key_padding,
                        torch::Tensor* weights_out) override;
  std::string kind() const override { return "transfer"; }
  bool uses_pair_bias() const override { return true; }  // the teacher reads U

  std::shared_ptr<models::part::ParticleAttentionKernel> teacher, student;
  torch::Tensor loss;
};

struct AttentionTransferOptions {
  int64_t epochs = 10, batch_size = 32, patience = 3;
  double lr = 3e-3, weight_decay = 0.0;
  uint64_t seed = 1;
};

struct AttentionTransferResult {
  double initial_val_mse = 0, best_val_mse = 0;  // summed over particle blocks
  int64_t best_epoch = 0;
  nlohmann::json history = nlohmann::json::array();
};

// `model`'s particle blocks must hold the (untrained) student kernels; their teacher is the
// softmax kernel on the same weights. Trains the students with AdamW on `train`, keeps the
// state with the lowest validation MSE and leaves the students installed, all parameters
// trainable again.
AttentionTransferResult transfer_attention(models::part::ParticleTransformer& model,
                                           const data::PreparedJets& train,
                                           const data::PreparedJets& val,
                                           const AttentionTransferOptions& options);

// Summed per-block transfer MSE of `model`'s students on `jets` (no training).
double attention_transfer_mse(models::part::ParticleTransformer& model, const data::PreparedJets& jets,
                              int64_t batch_size);

}  // namespace subq::tasks::jets
