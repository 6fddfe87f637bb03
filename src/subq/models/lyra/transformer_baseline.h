// Small bidirectional Transformer encoder baseline for bio sequences (quadratic attention),
// at a parameter count close to Lyra's:
//   h = Linear(C -> d)(u) + sinusoidal positions
//   h = h + MHA(LN(h)); h = h + FFN(LN(h))     x layers  (padding keys masked out)
//   y = Linear(d -> out)(mean over residues of LN(h))
// Default (d 48, 4 heads, FFN 144, 2 layers): 48,385 parameters for 20 inputs / 1 output.
#pragma once
#include <vector>

#include "subq/models/lyra/bio_model.h"

namespace subq::models {

struct TransformerConfig {
  int64_t inputs = 20, outputs = 1;
  int64_t d_model = 48, heads = 4, ffn = 144, layers = 2;
  double dropout = 0.1;
  nlohmann::json to_json() const;
  static TransformerConfig from_json(const nlohmann::json& j);
};

class EncoderLayerImpl : public torch::nn::Module {
 public:
  EncoderLayerImpl(const TransformerConfig& config);
  // key_mask: (B, 1, 1, L) additive mask or undefined (no padding).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask);
  void for_each_linear(const nn::LinearVisitor& visit, const std::string& prefix);

  std::shared_ptr<nn::LinearLayer> qkv_proj, out_proj, ffn_up, ffn_down;
  torch::nn::LayerNorm attn_norm{nullptr}, ffn_norm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  const int64_t heads;
};
TORCH_MODULE(EncoderLayer);

class TransformerBaseline : public BioSequenceModel {
 public:
  explicit TransformerBaseline(const TransformerConfig& config);
  torch::Tensor forward(const torch::Tensor& x) override;
  void for_each_linear(const nn::LinearVisitor& visit) override;
  std::string kind() const override { return "transformer"; }
  nlohmann::json config_json() const override { return config.to_json(); }

  const TransformerConfig config;
  std::shared_ptr<nn::LinearLayer> encoder, decoder;
  std::vector<EncoderLayer> layers;
  torch::nn::LayerNorm final_norm{nullptr};
};

// Fixed sinusoidal position encodings (L, d) (Vaswani et al.), so any length works.
torch::Tensor sinusoidal_positions(int64_t length, int64_t dim, const torch::TensorOptions& options);

}  // namespace subq::models
