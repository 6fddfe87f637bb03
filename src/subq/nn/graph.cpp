#include "subq/nn/graph.h"

namespace subq::nn {

torch::Tensor symmetric_adjacency(const torch::Tensor& neighbours) {
  const int64_t batch = neighbours.size(0), p = neighbours.size(1);
  auto a = torch::zeros({batch, p, p + 1}, torch::kFloat32);  // column p collects the -1s
  auto target = neighbours.masked_fill(neighbours < 0, p);
  a.scatter_(2, target, 1.0f);
  a = a.narrow(2, 0, p);
  return (a + a.transpose(1, 2)).clamp_max(1.0).contiguous();
}

torch::Tensor scaled_laplacian(const torch::Tensor& adjacency, double lambda_max) {
  const auto degree = adjacency.sum(2);
  const auto inv_sqrt = torch::where(degree > 0, degree.rsqrt(), torch::zeros_like(degree));
  const auto normalised = inv_sqrt.unsqueeze(2) * adjacency * inv_sqrt.unsqueeze(1);
  const auto eye = torch::eye(adjacency.size(1), adjacency.options()).unsqueeze(0);
  return (eye - normalised) * (2.0 / lambda_max) - eye;
}

torch::Tensor knn_graph(const torch::Tensor& x, const torch::Tensor& mask, int64_t k) {
  torch::NoGradGuard no_grad;
  const int64_t p = x.size(1);
  auto dist = torch::cdist(x, x);  // (B, P, P)
  const auto eye = torch::eye(p, torch::TensorOptions().dtype(torch::kBool).device(x.device()));
  auto invalid = (~mask).unsqueeze(1) | eye.unsqueeze(0);
  dist = dist.masked_fill(invalid, std::numeric_limits<float>::infinity());
  const int64_t take = std::min<int64_t>(k, p);
  auto [values, index] = dist.topk(take, 2, /*largest=*/false);
  index = index.masked_fill(torch::isinf(values) | (~mask).unsqueeze(2), -1);
  if (take < k) index = torch::cat({index, torch::full({x.size(0), p, k - take}, -1, index.options())}, 2);
  return index;
}

}  // namespace subq::nn
