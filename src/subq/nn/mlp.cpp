#include "subq/nn/mlp.h"

#include <cmath>

#include "subq/util/error.h"

namespace subq::nn {

SwiGluMlpImpl::SwiGluMlpImpl(int64_t dim, int64_t hidden_dim, bool bias) {
  gate_proj = register_linear(*this, "gate_proj", std::make_shared<DenseLinear>(dim, hidden_dim, bias));
  up_proj = register_linear(*this, "up_proj", std::make_shared<DenseLinear>(dim, hidden_dim, bias));
  down_proj = register_linear(*this, "down_proj", std::make_shared<DenseLinear>(hidden_dim, dim, bias));
}

torch::Tensor SwiGluMlpImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

void SwiGluMlpImpl::for_each_linear(const std::string& prefix, const LinearVisitor& visit) {
  visit({this, "gate_proj", prefix + ".gate_proj", &gate_proj});
  visit({this, "up_proj", prefix + ".up_proj", &up_proj});
  visit({this, "down_proj", prefix + ".down_proj", &down_proj});
}

torch::Tensor gelu_tanh(const torch::Tensor& x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + torch::tanh(k * (x + 0.044715 * x * x * x)));
}

GeluMlpImpl::GeluMlpImpl(int64_t dim, int64_t hidden_dim, bool bias) {
  up_proj = register_linear(*this, "up_proj", std::make_shared<DenseLinear>(dim, hidden_dim, bias));
  down_proj = register_linear(*this, "down_proj", std::make_shared<DenseLinear>(hidden_dim, dim, bias));
}

torch::Tensor GeluMlpImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(gelu_tanh(up_proj->forward(x)));
}

void GeluMlpImpl::for_each_linear(const std::string& prefix, const LinearVisitor& visit) {
  visit({this, "up_proj", prefix + ".up_proj", &up_proj});
  visit({this, "down_proj", prefix + ".down_proj", &down_proj});
}

std::shared_ptr<FeedForward> make_feed_forward(const std::string& kind, int64_t dim, int64_t hidden_dim,
                                               bool bias) {
  if (kind == "swiglu") return std::make_shared<SwiGluMlpImpl>(dim, hidden_dim, bias);
  if (kind == "gelu_tanh") return std::make_shared<GeluMlpImpl>(dim, hidden_dim, bias);
  fail("unknown feed-forward kind '{}' (known: swiglu, gelu_tanh)", kind);
}

}  // namespace subq::nn
