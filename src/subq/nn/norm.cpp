#include "subq/nn/norm.h"

#include "subq/nn/rmsnorm.h"
#include "subq/util/error.h"

namespace subq::nn {

LayerNormImpl::LayerNormImpl(int64_t dim, double eps) : eps(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
  bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

std::shared_ptr<NormLayer> make_norm(const std::string& kind, int64_t dim, double eps) {
  if (kind == "rmsnorm") return std::make_shared<RMSNormImpl>(dim, eps);
  if (kind == "layernorm") return std::make_shared<LayerNormImpl>(dim, eps);
  fail("unknown normalisation '{}' (known: rmsnorm, layernorm)", kind);
}

}  // namespace subq::nn
