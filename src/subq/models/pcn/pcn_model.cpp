#include "subq/models/pcn/pcn_model.h"

#include "subq/nn/graph.h"
#include "subq/util/error.h"

namespace subq::models::pcn {

ParticleChebyshevNetwork::ParticleChebyshevNetwork(const PcnConfig& config) : config_(config) {
  int64_t in = config.input_dim;
  for (int64_t i = 0; i < config.cheb_layers; ++i) {
    convs_.push_back(register_module(fmt::format("cheb{}", i),
                                     nn::ChebConv(in, config.hidden, config.order)));
    if (config.variant == "dgcnn" && i + 1 < config.cheb_layers)
      edge_convs_.push_back(register_module(fmt::format("edge{}", i),
                                            nn::EdgeConv(config.hidden, config.hidden, config.edge_k)));
    in = config.hidden;
  }
  const int64_t pooled = config.pooling == "mean_max" ? 2 * config.hidden : config.hidden;
  if (config.head_hidden > 0) {
    fc_hidden_ = register_module("fc_hidden", torch::nn::Linear(pooled, config.head_hidden));
    fc_ = register_module("fc", torch::nn::Linear(config.head_hidden, config.num_classes));
  } else {
    fc_ = register_module("fc", torch::nn::Linear(pooled, config.num_classes));
  }
  input_mean_ = register_buffer("input_mean", torch::zeros({config.input_dim}));
  input_std_ = register_buffer("input_std", torch::ones({config.input_dim}));
}

data::JetInputSpec ParticleChebyshevNetwork::input_spec() const {
  data::JetInputSpec spec;
  spec.features = config_.node_features == "kin" ? "part_kin" : "pcn";
  spec.knn_k = config_.knn_k;
  spec.knn_space = config_.knn_space;
  return spec;
}

void ParticleChebyshevNetwork::fit_input_scaling(const torch::Tensor& features,
                                                 const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  const auto rows = features.transpose(1, 2).index({mask});  // (real particles, C)
  input_mean_.copy_(rows.mean(0));
  const auto std = rows.std(0);
  input_std_.copy_(torch::where(std > 1e-6, std, torch::ones_like(std)));  // constant (absent) inputs stay 0
}

torch::Tensor ParticleChebyshevNetwork::forward(const data::JetBatch& batch) {
  SUBQ_CHECK(batch.features.size(1) == config_.input_dim && batch.neighbours.defined(),
             "PCN expects features (B, {}, P) and kNN neighbours", config_.input_dim);
  const auto maskf = batch.mask.to(torch::kFloat32).unsqueeze(2);  // (B, P, 1)
  auto x = (batch.features.transpose(1, 2) - input_mean_) / input_std_ * maskf;
  const auto laplacian =
      nn::scaled_laplacian(nn::symmetric_adjacency(batch.neighbours), config_.lambda_max);
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = torch::relu(convs_[i](x, laplacian)) * maskf;
    if (i < edge_convs_.size()) x = edge_convs_[i](x, batch.mask) * maskf;
  }
  return fc_(head_input(pool(x, maskf)));
}

torch::Tensor ParticleChebyshevNetwork::pool(const torch::Tensor& x, const torch::Tensor& maskf) const {
  auto pooled = x.sum(1) / maskf.sum(1).clamp_min(1.0);
  if (config_.pooling == "mean_max") {
    // x >= 0 after the ReLU and padded nodes are 0, so the plain max is the max over real nodes.
    pooled = torch::cat({pooled, std::get<0>(x.max(1))}, 1);
  }
  return pooled;
}

torch::Tensor ParticleChebyshevNetwork::head_input(const torch::Tensor& pooled) {
  return fc_hidden_ ? torch::relu(fc_hidden_(pooled)) : pooled;
}

}  // namespace subq::models::pcn
