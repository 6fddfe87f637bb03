#include "subq/models/part/part_blocks.h"

#include <cmath>

#include "subq/data/jet_features.h"
#include "subq/nn/gelu.h"

namespace subq::models::part {

namespace F = torch::nn::functional;

ParticleEmbeddingImpl::ParticleEmbeddingImpl(int64_t input_dim, const std::vector<int64_t>& dims) {
  input_bn = register_module("input_bn", torch::nn::BatchNorm1d(input_dim));
  int64_t in = input_dim;
  for (int64_t dim : dims) {
    layers->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({in})));
    layers->push_back(torch::nn::Linear(in, dim));
    layers->push_back(nn::Gelu());
    in = dim;
  }
  register_module("embed", layers);
}

torch::Tensor ParticleEmbeddingImpl::forward(const torch::Tensor& features,
                                             const torch::Tensor& mask) {
  auto x = input_bn(features).transpose(1, 2);  // (B, P, C)
  return layers->forward(x).masked_fill(~mask.unsqueeze(-1), 0.0);
}

PairEmbeddingImpl::PairEmbeddingImpl(int64_t input_dim, const std::vector<int64_t>& dims)
    : out_dim_(dims.back()) {
  layers->push_back(torch::nn::BatchNorm1d(input_dim));
  int64_t in = input_dim;
  for (int64_t dim : dims) {
    layers->push_back(torch::nn::Linear(in, dim));  // weaver's Conv1d(in, dim, 1)
    layers->push_back(torch::nn::BatchNorm1d(dim));
    layers->push_back(nn::Gelu());
    in = dim;
  }
  register_module("embed", layers);
}

torch::Tensor PairEmbeddingImpl::forward(const torch::Tensor& packed, int64_t particles) {
  const int64_t batch = packed.size(0), pairs = packed.size(1);
  // BatchNorm1d over (rows, channels) treats every pair of every jet as one sample, exactly as
  // weaver's BatchNorm1d over (B, C, pairs) does.
  auto elements = layers->forward(packed.reshape({batch * pairs, packed.size(2)}))
                      .view({batch, pairs, out_dim_});
  const auto index = data::packed_pair_index(particles).to(packed.device());
  return elements.index_select(1, index)
      .view({batch, particles, particles, out_dim_})
      .permute({0, 3, 1, 2})
      .contiguous();
}

AttentionBlockImpl::AttentionBlockImpl(const AttentionBlockOptions& options)
    : options_(options), head_dim_(options.dim / options.heads) {
  const int64_t d = options.dim;
  auto layer_norm = [&](const char* name, int64_t width) {
    return register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  };
  pre_attn_norm = layer_norm("pre_attn_norm", d);
  // torch.nn.MultiheadAttention's in_proj: xavier-uniform weights, zero biases.
  auto projection = [&](const char* name) {
    auto layer = std::make_shared<nn::DenseLinear>(d, d, true);
    torch::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(layer->weight);
    layer->bias.zero_();
    return nn::register_linear(*this, name, layer);
  };
  q_proj = projection("q_proj");
  k_proj = projection("k_proj");
  v_proj = projection("v_proj");
  out_proj = nn::register_linear(*this, "out_proj", std::make_shared<nn::DenseLinear>(d, d, true));
  {
    torch::NoGradGuard no_grad;
    std::static_pointer_cast<nn::DenseLinear>(out_proj)->bias.zero_();
  }
  auto kernel_options = options.attention;
  kernel_options.heads = options.heads;
  kernel_options.head_dim = head_dim_;
  kernel = register_module("attention", make_particle_attention(kernel_options));
  post_attn_norm = layer_norm("post_attn_norm", d);
  pre_fc_norm = layer_norm("pre_fc_norm", d);
  fc1 = nn::register_linear(*this, "fc1", std::make_shared<nn::DenseLinear>(d, options.ffn_dim, true));
  post_fc_norm = layer_norm("post_fc_norm", options.ffn_dim);
  fc2 = nn::register_linear(*this, "fc2", std::make_shared<nn::DenseLinear>(options.ffn_dim, d, true));
  c_attn = register_parameter("c_attn", torch::ones({options.heads}));
  w_resid = register_parameter("w_resid", torch::ones({d}));
}

torch::Tensor AttentionBlockImpl::attend(const torch::Tensor& query_input,
                                         const torch::Tensor& kv_input,
                                         const torch::Tensor& padding, const PairInputs& pair,
                                         torch::Tensor* weights_out) {
  const int64_t batch = query_input.size(0), lq = query_input.size(1), lk = kv_input.size(1);
  const int64_t h = options_.heads, d = head_dim_;
  auto heads = [&](torch::Tensor t, int64_t len) { return t.view({batch, len, h, d}).transpose(1, 2); };
  auto q = heads(q_proj->forward(query_input), lq).mul(1.0 / std::sqrt(static_cast<double>(d)));
  auto k = heads(k_proj->forward(kv_input), lk);
  auto v = heads(v_proj->forward(kv_input), lk);
  auto mixed = kernel->attend(q, k, v, pair, padding, weights_out);  // (B, H, L, d)
  auto out = out_proj->forward(mixed.transpose(1, 2).reshape({batch, lq, options_.dim}));
  // weaver's per-head scale: einsum('tbhd,h->tbdh') also interleaves the channels (d-major).
  return (out.view({batch, lq, h, d}) * c_attn.view({1, 1, h, 1}))
      .transpose(2, 3)
      .reshape({batch, lq, options_.dim});
}

torch::Tensor AttentionBlockImpl::finish(torch::Tensor attended, const torch::Tensor& residual) {
  auto x = F::dropout(post_attn_norm(attended), F::DropoutFuncOptions().p(options_.dropout).training(is_training())) + residual;
  auto y = nn::layout_safe_gelu(fc1->forward(pre_fc_norm(x)));
  y = F::dropout(y, F::DropoutFuncOptions().p(options_.activation_dropout).training(is_training()));
  y = fc2->forward(post_fc_norm(y));
  y = F::dropout(y, F::DropoutFuncOptions().p(options_.dropout).training(is_training()));
  return y + w_resid * x;
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& padding,
                                          const PairInputs& pair, torch::Tensor* weights_out) {
  auto normed = pre_attn_norm(x);
  return finish(attend(normed, normed, padding, pair, weights_out), x);
}

torch::Tensor AttentionBlockImpl::forward_class(const torch::Tensor& x_cls, const torch::Tensor& x,
                                                const torch::Tensor& padding,
                                                torch::Tensor* weights_out) {
  // weaver: u = norm(cat(cls, x)); attn(query = raw class token, key = value = u).
  auto u = pre_attn_norm(torch::cat({x_cls, x}, 1));
  auto padding_with_cls = torch::cat({torch::zeros_like(padding.narrow(1, 0, 1)), padding}, 1);
  return finish(attend(x_cls, u, padding_with_cls, PairInputs{}, weights_out), x_cls);
}

void AttentionBlockImpl::for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
  const std::pair<const char*, std::shared_ptr<nn::LinearLayer>*> slots[] = {
      {"q_proj", &q_proj}, {"k_proj", &k_proj}, {"v_proj", &v_proj},
      {"out_proj", &out_proj}, {"fc1", &fc1},   {"fc2", &fc2}};
  for (const auto& [name, slot] : slots) visit({this, name, prefix + name, slot});
}

void AttentionBlockImpl::set_attention_kernel(std::shared_ptr<ParticleAttentionKernel> replacement) {
  kernel = replace_module("attention", std::move(replacement));
}

}  // namespace subq::models::part
