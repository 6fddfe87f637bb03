#include "subq/nn/edge_conv.h"

#include "subq/nn/graph.h"

namespace subq::nn {

EdgeConvImpl::EdgeConvImpl(int64_t in_channels, int64_t out_channels, int64_t k) : k_(k) {
  edge_mlp = register_module("edge_mlp", torch::nn::Linear(2 * in_channels, out_channels));
}

torch::Tensor EdgeConvImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t batch = x.size(0), p = x.size(1), c = x.size(2);
  const auto neighbours = knn_graph(x, mask, k_);                 // (B, P, k)
  const auto valid = neighbours >= 0;
  const auto index = neighbours.clamp_min(0).reshape({batch, p * k_, 1}).expand({batch, p * k_, c});
  const auto xj = x.gather(1, index).view({batch, p, k_, c});
  const auto xi = x.unsqueeze(2).expand_as(xj);
  auto messages = torch::relu(edge_mlp(torch::cat({xi, xj - xi}, 3)));  // (B, P, k, out)
  // ReLU output is >= 0, so zeroing missing edges before the max leaves real maxima intact.
  messages = messages * valid.unsqueeze(3);
  return std::get<0>(messages.max(2));
}

}  // namespace subq::nn
