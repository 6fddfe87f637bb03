#include "subq/nn/freeze.h"

namespace subq::nn {

void freeze(torch::nn::Module& module) {
  for (auto& p : module.parameters()) p.set_requires_grad(false);
}

}  // namespace subq::nn
