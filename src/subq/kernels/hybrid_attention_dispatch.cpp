#include "subq/kernels/hybrid_attention_dispatch.h"

#include "subq/kernels/hybrid_attention_cpu.h"
#include "subq/util/error.h"

#ifdef SUBQ_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>

#include "subq/kernels/hybrid_attention_cuda.h"
#endif

namespace subq::kernels {

void run_hybrid_kernel(HybridForm form, const HybridCallArgs& args, const torch::Device& device) {
  if (device.is_cpu()) {
    if (form == HybridForm::kChunkedPrefill) hybrid_prefill_cpu(args);
    else hybrid_decode_cpu(args);
    return;
  }
#ifdef SUBQ_WITH_CUDA
  if (device.is_cuda()) {
    void* stream = at::cuda::getCurrentCUDAStream(device.index()).stream();
    const char* error = form == HybridForm::kChunkedPrefill ? hybrid_prefill_cuda(args, stream)
                                                            : hybrid_decode_cuda(args, stream);
    SUBQ_CHECK(!error, "hybrid attention: CUDA kernel launch failed on {}: {}", device.str(),
               error);
    return;
  }
#endif
  fail("hybrid attention: no fused kernel for device {} in this build", device.str());
}

}  // namespace subq::kernels
