// CUDA versions of the fused hybrid attention kernels (same contract as the CPU ones in
// hybrid_attention_cpu.h; all pointers are device pointers). Compiled only when a CUDA
// LibTorch is found (SUBQ_WITH_CUDA). `stream` is a cudaStream_t. Plain C++ interface (no
// LibTorch, no fmt) so the .cu compiles with a bare nvcc; they return nullptr on success or
// the CUDA error text, which the caller turns into a subq::Error.
#pragma once
#include "subq/kernels/hybrid_kernel_args.h"

namespace subq::kernels {

const char* hybrid_prefill_cuda(const HybridCallArgs& args, void* stream);
const char* hybrid_decode_cuda(const HybridCallArgs& args, void* stream);

}  // namespace subq::kernels
