// The Particle Chebyshev Network as a JetTagger: node features are standardised with the
// training set's per-feature mean/std (buffers, not parameters; the reference feeds raw
// GeV-scale values, which a K = 16 polynomial turns into huge activations), graph convolutions
// on the scaled Laplacian of the kNN graph, masked mean over real particles, Linear. Options
// (PcnConfig): ParT's kinematic node features, mean+max pooling, a hidden layer in the head.
#pragma once
#include <vector>

#include "subq/models/jet_tagger.h"
#include "subq/models/pcn/pcn_config.h"
#include "subq/nn/cheb_conv.h"
#include "subq/nn/edge_conv.h"

namespace subq::models::pcn {

class ParticleChebyshevNetwork : public JetTagger {
 public:
  explicit ParticleChebyshevNetwork(const PcnConfig& config);
  torch::Tensor forward(const data::JetBatch& batch) override;
  data::JetInputSpec input_spec() const override;
  nlohmann::json config_json() const override { return config_.to_json(); }
  void fit_input_scaling(const torch::Tensor& features, const torch::Tensor& mask) override;
  const PcnConfig& config() const { return config_; }

 private:
  torch::Tensor pool(const torch::Tensor& x, const torch::Tensor& maskf) const;
  torch::Tensor head_input(const torch::Tensor& pooled);

  PcnConfig config_;
  std::vector<nn::ChebConv> convs_;
  std::vector<nn::EdgeConv> edge_convs_;
  torch::nn::Linear fc_hidden_{nullptr}, fc_{nullptr};
  torch::Tensor input_mean_, input_std_;
};

}  // namespace subq::models::pcn
