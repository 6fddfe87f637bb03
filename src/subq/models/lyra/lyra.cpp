#include "subq/models/lyra/lyra.h"

namespace subq::models {

nlohmann::json LyraConfig::to_json() const {
  return {{"inputs", inputs}, {"outputs", outputs}, {"d_model", d_model},
          {"pgc_expansions", pgc_expansions}, {"state", state}, {"dropout", dropout},
          {"direct_conv_max_length", direct_conv_max_length}};
}

LyraConfig LyraConfig::from_json(const nlohmann::json& j) {
  LyraConfig c;
  c.inputs = j.value("inputs", c.inputs);
  c.outputs = j.value("outputs", c.outputs);
  c.d_model = j.value("d_model", c.d_model);
  c.pgc_expansions = j.value("pgc_expansions", c.pgc_expansions);
  c.state = j.value("state", c.state);
  c.dropout = j.value("dropout", c.dropout);
  c.direct_conv_max_length = j.value("direct_conv_max_length", c.direct_conv_max_length);
  return c;
}

Lyra::Lyra(const LyraConfig& c) : config(c) {
  encoder = nn::register_linear(*this, "encoder", std::make_shared<nn::DenseLinear>(c.inputs, c.d_model, true));
  for (size_t i = 0; i < c.pgc_expansions.size(); ++i)
    pgcs.push_back(register_module("pgc" + std::to_string(i),
                                   nn::ProjectedGatedConv(c.d_model, c.pgc_expansions[i])));
  s4d_norm = register_module("s4d_norm", nn::LyraRMSNorm(c.d_model));
  nn::S4DOptions s4d_options;
  s4d_options.channels = c.d_model;
  s4d_options.state = c.state;
  s4d_options.direct_max_length = c.direct_conv_max_length;
  s4d = register_module("s4d", nn::S4D(s4d_options));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
  decoder = nn::register_linear(*this, "decoder", std::make_shared<nn::DenseLinear>(c.d_model, c.outputs, true));
}

torch::Tensor Lyra::forward(const torch::Tensor& x) {
  const auto mask = residue_mask(x);
  auto h = encoder->forward(x);
  for (auto& pgc : pgcs) h = pgc(h);
  h = h + dropout(s4d(s4d_norm(h)));
  return decoder->forward(masked_mean(h, mask));
}

void Lyra::for_each_linear(const nn::LinearVisitor& visit) {
  visit({this, "encoder", "encoder", &encoder});
  for (size_t i = 0; i < pgcs.size(); ++i) pgcs[i]->for_each_linear(visit, fmt::format("pgc{}.", i));
  s4d->for_each_linear(visit, "s4d.");
  visit({this, "decoder", "decoder", &decoder});
}

}  // namespace subq::models
