#include "subq/nn/gelu.h"

namespace subq::nn {
namespace {

struct ContiguousGelu : torch::autograd::Function<ContiguousGelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    return torch::gelu(x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    return {at::gelu_backward(grads[0].contiguous(), x.contiguous())};
  }
};

}  // namespace

torch::Tensor layout_safe_gelu(const torch::Tensor& x) {
  // Without autograd there is no backward to protect: skip the Function's bookkeeping.
  if (!torch::GradMode::is_enabled() || !x.requires_grad()) return torch::gelu(x);
  return ContiguousGelu::apply(x);
}

}  // namespace subq::nn
