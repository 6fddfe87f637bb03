#include "subq/nn/pgc.h"

#include <cmath>

#include "subq/util/error.h"

namespace subq::nn {

ProjectedGatedConvImpl::ProjectedGatedConvImpl(int64_t d_model, double expansion)
    : expanded(static_cast<int64_t>(std::lround(d_model * expansion))) {
  SUBQ_CHECK(expanded > 0, "PGC: expansion {} of width {} leaves no channels", expansion, d_model);
  in_proj = register_linear(*this, "in_proj", std::make_shared<DenseLinear>(d_model, 2 * expanded, true));
  in_norm = register_module("in_norm", LyraRMSNorm(2 * expanded));
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(expanded, expanded, 3)
                                                       .padding(1)
                                                       .groups(expanded)));
  out_proj = register_linear(*this, "out_proj", std::make_shared<DenseLinear>(expanded, d_model, true));
  out_norm = register_module("out_norm", LyraRMSNorm(d_model));
}

torch::Tensor ProjectedGatedConvImpl::forward(const torch::Tensor& u) {
  auto xv = in_norm(in_proj->forward(u));
  auto parts = xv.chunk(2, /*dim=*/-1);
  // Conv1d wants (B, channels, L).
  auto x = conv(parts[0].transpose(1, 2)).transpose(1, 2);
  return out_norm(out_proj->forward(parts[1] * x));
}

void ProjectedGatedConvImpl::for_each_linear(const LinearVisitor& visit, const std::string& prefix) {
  visit({this, "in_proj", prefix + "in_proj", &in_proj});
  visit({this, "out_proj", prefix + "out_proj", &out_proj});
}

}  // namespace subq::nn
