// Lyra (Ramesh et al. 2025, arXiv 2503.16351), re-derived from docs/bio.md:
//   h = Linear(C -> d)(u)
//   h = PGC(d, e_1)(h); h = PGC(d, e_2)(h) ...          (explicit low-degree epistasis)
//   h = h + Dropout(S4D(RMSNorm(h)))                     (global interactions)
//   y = Linear(d -> outputs)(mean over residues of h)
// The default config has exactly 47,169 parameters for 20 inputs and 1 output.
#pragma once
#include <vector>

#include "subq/models/lyra/bio_model.h"
#include "subq/nn/pgc.h"
#include "subq/nn/rmsnorm_lyra.h"
#include "subq/nn/s4d.h"

namespace subq::models {

struct LyraConfig {
  int64_t inputs = 20, outputs = 1;
  int64_t d_model = 64;
  std::vector<double> pgc_expansions = {0.25, 2.0};
  int64_t state = 64;                 // S4D N (N/2 complex modes)
  double dropout = 0.2;
  int64_t direct_conv_max_length = 64;  // S4D: direct convolution up to this length, FFT above
  nlohmann::json to_json() const;
  static LyraConfig from_json(const nlohmann::json& j);
};

class Lyra : public BioSequenceModel {
 public:
  explicit Lyra(const LyraConfig& config);
  torch::Tensor forward(const torch::Tensor& x) override;
  void for_each_linear(const nn::LinearVisitor& visit) override;
  std::string kind() const override { return "lyra"; }
  nlohmann::json config_json() const override { return config.to_json(); }

  const LyraConfig config;
  std::shared_ptr<nn::LinearLayer> encoder, decoder;
  std::vector<nn::ProjectedGatedConv> pgcs;
  nn::LyraRMSNorm s4d_norm{nullptr};
  nn::S4D s4d{nullptr};
  torch::nn::Dropout dropout{nullptr};
};

}  // namespace subq::models
