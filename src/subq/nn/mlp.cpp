#include "subq/nn/mlp.h"

namespace subq::nn {

SwiGluMlpImpl::SwiGluMlpImpl(int64_t dim, int64_t hidden_dim) {
  gate_proj = register_linear(*this, "gate_proj", std::make_shared<DenseLinear>(dim, hidden_dim));
  up_proj = register_linear(*this, "up_proj", std::make_shared<DenseLinear>(dim, hidden_dim));
  down_proj = register_linear(*this, "down_proj", std::make_shared<DenseLinear>(hidden_dim, dim));
}

torch::Tensor SwiGluMlpImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

void SwiGluMlpImpl::for_each_linear(const std::string& prefix, const LinearVisitor& visit) {
  visit({this, "gate_proj", prefix + ".gate_proj", &gate_proj});
  visit({this, "up_proj", prefix + ".up_proj", &up_proj});
  visit({this, "down_proj", prefix + ".down_proj", &down_proj});
}

}  // namespace subq::nn
