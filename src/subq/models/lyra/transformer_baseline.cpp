#include "subq/models/lyra/transformer_baseline.h"

#include <cmath>

#include "subq/nn/gelu.h"
#include "subq/util/compat.h"
#include "subq/util/error.h"

namespace subq::models {

nlohmann::json TransformerConfig::to_json() const {
  return {{"inputs", inputs}, {"outputs", outputs}, {"d_model", d_model}, {"heads", heads},
          {"ffn", ffn},       {"layers", layers},   {"dropout", dropout}};
}

TransformerConfig TransformerConfig::from_json(const nlohmann::json& j) {
  TransformerConfig c;
  c.inputs = j.value("inputs", c.inputs);
  c.outputs = j.value("outputs", c.outputs);
  c.d_model = j.value("d_model", c.d_model);
  c.heads = j.value("heads", c.heads);
  c.ffn = j.value("ffn", c.ffn);
  c.layers = j.value("layers", c.layers);
  c.dropout = j.value("dropout", c.dropout);
  return c;
}

torch::Tensor sinusoidal_positions(int64_t length, int64_t dim, const torch::TensorOptions& options) {
  const auto pos = torch::arange(length, options).unsqueeze(1);
  const auto i = torch::arange(0, dim, 2, options);
  const auto angle = pos * torch::exp(i * (-std::log(10000.0) / static_cast<double>(dim)));
  auto pe = torch::zeros({length, dim}, options);
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)}, angle.sin());
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                angle.cos().narrow(1, 0, dim / 2));
  return pe;
}

EncoderLayerImpl::EncoderLayerImpl(const TransformerConfig& c) : heads(c.heads) {
  SUBQ_CHECK(c.d_model % c.heads == 0, "transformer: d_model {} not divisible by {} heads", c.d_model, c.heads);
  const int64_t d = c.d_model;
  attn_norm = register_module("attn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  qkv_proj = nn::register_linear(*this, "qkv_proj", std::make_shared<nn::DenseLinear>(d, 3 * d, true));
  out_proj = nn::register_linear(*this, "out_proj", std::make_shared<nn::DenseLinear>(d, d, true));
  ffn_norm = register_module("ffn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  ffn_up = nn::register_linear(*this, "ffn_up", std::make_shared<nn::DenseLinear>(d, c.ffn, true));
  ffn_down = nn::register_linear(*this, "ffn_down", std::make_shared<nn::DenseLinear>(c.ffn, d, true));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask) {
  const int64_t B = x.size(0), L = x.size(1), d = x.size(2), hd = d / heads;
  auto qkv = qkv_proj->forward(attn_norm(x)).view({B, L, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  c10::optional<torch::Tensor> mask;
  if (key_mask.defined()) mask = key_mask;
  auto attn = compat::scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask, /*causal=*/false);
  auto h = x + dropout(out_proj->forward(attn.transpose(1, 2).reshape({B, L, d})));
  return h + dropout(ffn_down->forward(nn::layout_safe_gelu(ffn_up->forward(ffn_norm(h)))));
}

void EncoderLayerImpl::for_each_linear(const nn::LinearVisitor& visit, const std::string& prefix) {
  visit({this, "qkv_proj", prefix + "qkv_proj", &qkv_proj});
  visit({this, "out_proj", prefix + "out_proj", &out_proj});
  visit({this, "ffn_up", prefix + "ffn_up", &ffn_up});
  visit({this, "ffn_down", prefix + "ffn_down", &ffn_down});
}

TransformerBaseline::TransformerBaseline(const TransformerConfig& c) : config(c) {
  encoder = nn::register_linear(*this, "encoder", std::make_shared<nn::DenseLinear>(c.inputs, c.d_model, true));
  for (int64_t i = 0; i < c.layers; ++i)
    layers.push_back(register_module("layer" + std::to_string(i), EncoderLayer(c)));
  final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model})));
  decoder = nn::register_linear(*this, "decoder", std::make_shared<nn::DenseLinear>(c.d_model, c.outputs, true));
}

torch::Tensor TransformerBaseline::forward(const torch::Tensor& x) {
  const auto mask = residue_mask(x);
  auto h = encoder->forward(x) + sinusoidal_positions(x.size(1), config.d_model, x.options());
  // Padding keys get -inf-like scores; skipped entirely when no sequence is padded.
  torch::Tensor key_mask;
  if (mask.min().item<float>() < 0.5) key_mask = ((1.0 - mask) * -1e9).view({x.size(0), 1, 1, x.size(1)});
  for (auto& layer : layers) h = layer(h, key_mask);
  return decoder->forward(masked_mean(final_norm(h), mask));
}

void TransformerBaseline::for_each_linear(const nn::LinearVisitor& visit) {
  visit({this, "encoder", "encoder", &encoder});
  for (size_t i = 0; i < layers.size(); ++i) layers[i]->for_each_linear(visit, fmt::format("layer{}.", i));
  visit({this, "decoder", "decoder", &decoder});
}

}  // namespace subq::models
