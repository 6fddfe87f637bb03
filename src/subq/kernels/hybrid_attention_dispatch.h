// Picks the fused hybrid attention kernel for the device the data lives on. nn modules call
// this; nothing above them chooses a kernel.
#pragma once
#include <torch/torch.h>

#include "subq/kernels/hybrid_kernel_args.h"

namespace subq::kernels {

enum class HybridForm { kChunkedPrefill, kRecurrentStep };

// Runs `form` on `device` (CPU always; CUDA when built with a CUDA LibTorch).
void run_hybrid_kernel(HybridForm form, const HybridCallArgs& args, const torch::Device& device);

}  // namespace subq::kernels
