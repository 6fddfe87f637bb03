#include "subq/models/lyra/cnn_baseline.h"

namespace subq::models {

nlohmann::json CnnConfig::to_json() const {
  return {{"inputs", inputs}, {"outputs", outputs}, {"d_model", d_model},
          {"kernel_size", kernel_size}, {"blocks", blocks}, {"dropout", dropout}};
}

CnnConfig CnnConfig::from_json(const nlohmann::json& j) {
  CnnConfig c;
  c.inputs = j.value("inputs", c.inputs);
  c.outputs = j.value("outputs", c.outputs);
  c.d_model = j.value("d_model", c.d_model);
  c.kernel_size = j.value("kernel_size", c.kernel_size);
  c.blocks = j.value("blocks", c.blocks);
  c.dropout = j.value("dropout", c.dropout);
  return c;
}

CnnBaseline::CnnBaseline(const CnnConfig& c) : config(c) {
  encoder = nn::register_linear(*this, "encoder", std::make_shared<nn::DenseLinear>(c.inputs, c.d_model, true));
  for (int64_t i = 0; i < c.blocks; ++i)
    blocks.push_back(register_module("block" + std::to_string(i),
                                     nn::ResidualConvBlock(c.d_model, c.kernel_size, c.dropout)));
  decoder = nn::register_linear(*this, "decoder", std::make_shared<nn::DenseLinear>(c.d_model, c.outputs, true));
}

torch::Tensor CnnBaseline::forward(const torch::Tensor& x) {
  const auto mask = residue_mask(x);
  // Zeroing padding after every layer makes the convolutions see exactly the zero padding
  // they would see at the end of an unpadded sequence.
  const auto keep = mask.unsqueeze(-1);
  auto h = encoder->forward(x) * keep;
  for (auto& block : blocks) h = block(h) * keep;
  return decoder->forward(masked_mean(h, mask));
}

void CnnBaseline::for_each_linear(const nn::LinearVisitor& visit) {
  visit({this, "encoder", "encoder", &encoder});
  visit({this, "decoder", "decoder", &decoder});
}

}  // namespace subq::models
