#include "subq/nn/conv_blocks.h"

#include "subq/nn/gelu.h"
#include "subq/util/error.h"

namespace subq::nn {

ResidualConvBlockImpl::ResidualConvBlockImpl(int64_t channels, int64_t kernel_size, double p) {
  SUBQ_CHECK(kernel_size % 2 == 1, "ResidualConvBlock: kernel size {} must be odd", kernel_size);
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, kernel_size)
                                                       .padding(kernel_size / 2)));
  dropout = register_module("dropout", torch::nn::Dropout(p));
}

torch::Tensor ResidualConvBlockImpl::forward(const torch::Tensor& x) {
  auto h = conv(norm(x).transpose(1, 2)).transpose(1, 2);
  return x + dropout(layout_safe_gelu(h));
}

}  // namespace subq::nn
