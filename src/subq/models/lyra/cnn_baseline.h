// 1-D CNN baseline for bio sequences, at a parameter count close to Lyra's:
//   h = Linear(C -> d)(u); h = ResidualConvBlock(d, k)(h) x blocks; y = Linear(d -> out)(mean h)
// Default (d 64, kernel 5, 2 blocks): 42,753 parameters for 20 inputs / 1 output.
#pragma once
#include <vector>

#include "subq/models/lyra/bio_model.h"
#include "subq/nn/conv_blocks.h"

namespace subq::models {

struct CnnConfig {
  int64_t inputs = 20, outputs = 1;
  int64_t d_model = 64, kernel_size = 5, blocks = 2;
  double dropout = 0.2;
  nlohmann::json to_json() const;
  static CnnConfig from_json(const nlohmann::json& j);
};

class CnnBaseline : public BioSequenceModel {
 public:
  explicit CnnBaseline(const CnnConfig& config);
  torch::Tensor forward(const torch::Tensor& x) override;
  void for_each_linear(const nn::LinearVisitor& visit) override;
  std::string kind() const override { return "cnn"; }
  nlohmann::json config_json() const override { return config.to_json(); }

  const CnnConfig config;
  std::shared_ptr<nn::LinearLayer> encoder, decoder;
  std::vector<nn::ResidualConvBlock> blocks;
};

}  // namespace subq::models
