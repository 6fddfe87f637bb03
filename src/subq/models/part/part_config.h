// Configuration of the Particle Transformer (Qu, Li, Qian, arXiv 2202.03772) as in
// weaver-core v0.4.0's ParticleTransformer with the paper's example settings
// (use_pre_activation_pair = False, fc_params = []). Stored as JSON in every checkpoint.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace subq::models::part {

struct ParticleTransformerConfig {
  int64_t input_dim = 7;                          // per-particle features (7 kin, 17 full)
  int64_t num_classes = 2;
  std::string feature_set = "kin";                // data::PartFeatureSet name
  int64_t pair_input_dim = 4;                     // ln kT, ln z, ln delta, ln m^2
  std::vector<int64_t> embed_dims = {128, 512, 128};
  std::vector<int64_t> pair_embed_dims = {64, 64, 64};
  int64_t num_heads = 8;
  int64_t num_layers = 8;                         // particle-attention blocks
  int64_t num_cls_layers = 2;                     // class-attention blocks
  int64_t ffn_ratio = 4;
  double dropout = 0.1;                           // particle blocks (attn, residual, activation)
  std::string attention = "softmax";              // particle-attention kernel (see particle_attention.h)
  // attention = "linear" only (linear_attention.h): Hedgehog size f and pair-kernel features G
  // (0 = no pair kernel). Written to JSON only for linear models, so older configs are unchanged.
  int64_t linear_feature_dim = 8;
  int64_t linear_pair_features = 8;
  int64_t max_particles = 128;

  int64_t embed_dim() const { return embed_dims.back(); }
  nlohmann::json to_json() const;
  static ParticleTransformerConfig from_json(const nlohmann::json& j);
};

}  // namespace subq::models::part
