#include "subq/models/llama/llama_block.h"

namespace subq::models {

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaConfig& c, const nn::AttentionConfig& kind_config)
    : n_heads(c.n_heads), n_kv_heads(c.n_kv_heads), head_dim(c.head_dim) {
  using nn::DenseLinear;
  const auto q_dim = c.n_heads * c.head_dim;
  q_proj = nn::register_linear(*this, "q_proj", std::make_shared<DenseLinear>(c.dim, q_dim, c.qkv_bias));
  k_proj = nn::register_linear(*this, "k_proj", std::make_shared<DenseLinear>(c.dim, c.kv_dim(), c.qkv_bias));
  v_proj = nn::register_linear(*this, "v_proj", std::make_shared<DenseLinear>(c.dim, c.kv_dim(), c.qkv_bias));
  o_proj = nn::register_linear(*this, "o_proj", std::make_shared<DenseLinear>(q_dim, c.dim, c.out_bias));
  if (c.uses_rope())
    rope = register_module("rope", nn::RotaryEmbedding(c.head_dim, c.rope_theta, c.rope_style, c.rope_scaling));
  kind = register_module("kind", nn::make_lm_attention(kind_config, c.attention_shape()));
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> LlamaAttentionImpl::project_qkv(
    const torch::Tensor& x, int64_t start) {
  const auto B = x.size(0), L = x.size(1);
  auto heads = [&](const torch::Tensor& t, int64_t h) {
    return t.view({B, L, h, head_dim}).transpose(1, 2);
  };
  auto q = heads(q_proj->forward(x), n_heads);
  auto k = heads(k_proj->forward(x), n_kv_heads);
  auto v = heads(v_proj->forward(x), n_kv_heads);
  if (rope) {
    q = rope->forward(q, start);
    k = rope->forward(k, start);
  }
  return {q, k, v};
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, nn::AttentionState* state) {
  const auto B = x.size(0), L = x.size(1);
  const auto [q, k, v] = project_qkv(x, state ? state->position() : 0);
  auto mixed = kind->forward(q, k, v, state);  // (B, H, L, d)
  return o_proj->forward(mixed.transpose(1, 2).reshape({B, L, n_heads * head_dim}));
}

void LlamaAttentionImpl::set_kind(std::shared_ptr<nn::AttentionKind> new_kind) {
  kind = replace_module("kind", std::move(new_kind));
}

void LlamaAttentionImpl::for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
  visit({this, "q_proj", prefix + ".q_proj", &q_proj});
  visit({this, "k_proj", prefix + ".k_proj", &k_proj});
  visit({this, "v_proj", prefix + ".v_proj", &v_proj});
  visit({this, "o_proj", prefix + ".o_proj", &o_proj});
}

LlamaBlockImpl::LlamaBlockImpl(const LlamaConfig& c, const nn::AttentionConfig& kind) {
  attn_norm = register_module("attn_norm", nn::make_norm(c.norm, c.dim, c.norm_eps));
  attn = register_module("attn", LlamaAttention(c, kind));
  mlp_norm = register_module("mlp_norm", nn::make_norm(c.norm, c.dim, c.norm_eps));
  mlp = register_module("mlp", nn::make_feed_forward(c.mlp, c.dim, c.hidden_dim, c.mlp_bias));
}

torch::Tensor LlamaBlockImpl::forward(const torch::Tensor& x, nn::AttentionState* state) {
  auto h = x + attn->forward(attn_norm->forward(x), state);
  return h + mlp->forward(mlp_norm->forward(h));
}

void LlamaBlockImpl::for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
  attn->for_each_linear(prefix + ".attn", visit);
  mlp->for_each_linear(prefix + ".mlp", visit);
}

}  // namespace subq::models
