// Particle Transformer (ParT), weaver-core v0.4.0 / arXiv 2202.03772: particle embedding,
// pair embedding U from the four-vectors, num_layers particle-attention blocks with U added to
// the attention logits, num_cls_layers class-attention blocks, LayerNorm, Linear.
// 2,141,134 parameters for 7 inputs and 2 classes (tests/jets/part_model_test.cpp).
//
// Analysis hooks: forward(batch, &capture) records attention weights and U per layer/head
// (AttentionCapture); set_attention_kernel() swaps the attention of one particle block;
// uses_pair_bias() says whether U is built at all; for_each_linear() lists the q/k/v/out
// projections and FFN linears for compression.
#pragma once
#include <memory>

#include "subq/models/jet_tagger.h"
#include "subq/models/part/part_blocks.h"
#include "subq/models/part/part_config.h"

namespace subq::models::part {

class ParticleTransformer : public JetTagger {
 public:
  explicit ParticleTransformer(const ParticleTransformerConfig& config);

  torch::Tensor forward(const data::JetBatch& batch) override { return forward(batch, nullptr); }
  // `capture` (optional) receives attention weights, U and the mask of this batch.
  torch::Tensor forward(const data::JetBatch& batch, AttentionCapture* capture);
  // Core call: features (B, C, P), four_vectors (B, 4, P), mask (B, P) bool.
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& four_vectors,
                        const torch::Tensor& mask, AttentionCapture* capture = nullptr);

  data::JetInputSpec input_spec() const override;
  nlohmann::json config_json() const override { return config_.to_json(); }
  const ParticleTransformerConfig& config() const { return config_; }

  // Visits block linears as "blocks.3.q_proj", "cls_blocks.0.fc1", ...
  void for_each_linear(const nn::LinearVisitor& visit) override;
  // The attention kernel of particle block `layer` (0 .. num_layers-1).
  std::shared_ptr<ParticleAttentionKernel> attention_kernel(int64_t layer) const;
  void set_attention_kernel(int64_t layer, std::shared_ptr<ParticleAttentionKernel> kernel);
  int64_t num_particle_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  // Whether any particle block's kernel reads U; if none does (all linear), forward never
  // builds the P x P pair features and their embedding.
  bool uses_pair_bias() const;

 private:
  torch::Tensor pair_bias(const torch::Tensor& four_vectors, int64_t particles, const torch::Device& device);

  ParticleTransformerConfig config_;
  ParticleEmbedding embed_{nullptr};
  PairEmbedding pair_embed_{nullptr};
  std::vector<AttentionBlock> blocks_, cls_blocks_;
  torch::Tensor cls_token_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

}  // namespace subq::models::part
