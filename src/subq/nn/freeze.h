// Freezing: every transform here (attention transfer, LoRA, compression, jet/bio fine-tuning)
// starts from a model whose own weights must not move, then switches gradients back on for
// exactly the parameters it trains.
#pragma once
#include <torch/torch.h>

namespace subq::nn {

// Turns gradients off for every parameter of `module` and its submodules.
void freeze(torch::nn::Module& module);

}  // namespace subq::nn
