#include "subq/models/part/particle_transformer.h"

#include <fmt/ranges.h>

#include "subq/data/jet_features.h"
#include "subq/kernels/pair_features.h"
#include "subq/util/error.h"

namespace subq::models::part {

ParticleTransformer::ParticleTransformer(const ParticleTransformerConfig& config)
    : config_(config) {
  const int64_t d = config.embed_dim();
  embed_ = register_module("embed", ParticleEmbedding(config.input_dim, config.embed_dims));
  auto pair_dims = config.pair_embed_dims;
  pair_dims.push_back(config.num_heads);
  pair_embed_ = register_module("pair_embed", PairEmbedding(config.pair_input_dim, pair_dims));
  AttentionBlockOptions particle;
  particle.dim = d;
  particle.heads = config.num_heads;
  particle.ffn_dim = d * config.ffn_ratio;
  particle.dropout = particle.attention.dropout = particle.activation_dropout = config.dropout;
  particle.attention.kind = config.attention;
  particle.attention.feature_dim = config.linear_feature_dim;
  particle.attention.pair_features = config.linear_pair_features;
  particle.attention.particle_dim = config.input_dim;
  AttentionBlockOptions cls = particle;  // weaver: class blocks run without dropout
  cls.dropout = cls.attention.dropout = cls.activation_dropout = 0;
  cls.attention.kind = "softmax";  // class attention is already linear in P (one query)
  torch::nn::ModuleList blocks, cls_blocks;
  for (int64_t i = 0; i < config.num_layers; ++i) {
    blocks_.push_back(AttentionBlock(particle));
    blocks->push_back(blocks_.back());
  }
  for (int64_t i = 0; i < config.num_cls_layers; ++i) {
    cls_blocks_.push_back(AttentionBlock(cls));
    cls_blocks->push_back(cls_blocks_.back());
  }
  register_module("blocks", blocks);
  register_module("cls_blocks", cls_blocks);
  cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, d}));
  {
    torch::NoGradGuard no_grad;
    cls_token_.normal_(0, 0.02).clamp_(-2, 2);  // timm's trunc_normal_(std=.02)
  }
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  fc_ = register_module("fc", torch::nn::Linear(d, config.num_classes));
}

data::JetInputSpec ParticleTransformer::input_spec() const {
  data::JetInputSpec spec;
  spec.features = config_.feature_set == "full" ? "part_full" : "part_kin";
  return spec;
}

torch::Tensor ParticleTransformer::forward(const data::JetBatch& batch, AttentionCapture* capture) {
  return forward(batch.features, batch.four_vectors, batch.mask, capture);
}

torch::Tensor ParticleTransformer::forward(const torch::Tensor& features,
                                           const torch::Tensor& four_vectors,
                                           const torch::Tensor& mask, AttentionCapture* capture) {
  SUBQ_CHECK(features.dim() == 3 && features.size(1) == config_.input_dim,
             "ParT expects features (B, {}, P), got ({})", config_.input_dim,
             fmt::join(features.sizes(), ", "));
  const int64_t particles = features.size(2);
  const auto padding = ~mask;
  auto x = embed_(features, mask);                                   // (B, P, C)
  PairInputs pair;
  pair.particles = features.transpose(1, 2);                         // (B, P, C_in)
  if (uses_pair_bias()) pair.bias = pair_bias(four_vectors, particles, features.device());
  if (capture) {
    capture->clear();
    if (pair.bias.defined()) capture->pair_bias = pair.bias.detach();
    capture->mask = mask;
  }
  for (auto& block : blocks_) {
    torch::Tensor weights;
    x = block->forward(x, padding, pair, capture ? &weights : nullptr);
    if (capture) capture->particle_weights.push_back(weights);
  }
  auto cls = cls_token_.expand({x.size(0), 1, x.size(2)});
  for (auto& block : cls_blocks_) {
    torch::Tensor weights;
    cls = block->forward_class(cls, x, padding, capture ? &weights : nullptr);
    if (capture) capture->class_weights.push_back(weights);
  }
  return fc_(norm_(cls.squeeze(1)));
}

torch::Tensor ParticleTransformer::pair_bias(const torch::Tensor& four_vectors, int64_t particles,
                                            const torch::Device& device) {
  torch::Tensor pairs;
  {
    torch::NoGradGuard no_grad;  // pair features are inputs, not learned
    pairs = kernels::pair_features_packed(four_vectors.to(device));  // on the model's device
  }
  return pair_embed_(pairs, particles);  // (B, H, P, P)
}

bool ParticleTransformer::uses_pair_bias() const {
  for (const auto& block : blocks_)
    if (block->attention_kernel()->uses_pair_bias()) return true;
  return false;
}

void ParticleTransformer::for_each_linear(const nn::LinearVisitor& visit) {
  for (size_t i = 0; i < blocks_.size(); ++i)
    blocks_[i]->for_each_linear(fmt::format("blocks.{}.", i), visit);
  for (size_t i = 0; i < cls_blocks_.size(); ++i)
    cls_blocks_[i]->for_each_linear(fmt::format("cls_blocks.{}.", i), visit);
}

std::shared_ptr<ParticleAttentionKernel> ParticleTransformer::attention_kernel(int64_t layer) const {
  SUBQ_CHECK(layer >= 0 && layer < num_particle_blocks(), "ParT has no particle block {}", layer);
  return blocks_[layer]->attention_kernel();
}

void ParticleTransformer::set_attention_kernel(int64_t layer,
                                               std::shared_ptr<ParticleAttentionKernel> kernel) {
  SUBQ_CHECK(layer >= 0 && layer < num_particle_blocks(), "ParT has no particle block {}", layer);
  blocks_[layer]->set_attention_kernel(std::move(kernel));
}

}  // namespace subq::models::part
