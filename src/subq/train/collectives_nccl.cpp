#include "subq/train/collectives.h"

#include <torch/csrc/distributed/c10d/Store.hpp>
#ifdef SUBQ_WITH_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "subq/util/error.h"

namespace subq::train {

bool nccl_built() {
#ifdef SUBQ_WITH_NCCL
  return true;
#else
  return false;
#endif
}

Collectives nccl_collectives(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world_size,
                             torch::Device device) {
  SUBQ_CHECK(device.is_cuda() && device.has_index(), "NCCL needs one CUDA device per process, got {}",
             device.str());
#ifdef SUBQ_WITH_NCCL
  // NCCL binds a communicator to the current device; kernels launched without an explicit
  // device (ours and ATen's) then also run on this rank's GPU.
  c10::cuda::set_device(device.index());
  auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size);
  Collectives c;
  c.all_reduce_sum = [group, device](torch::Tensor& buffer) {
    SUBQ_CHECK(buffer.device() == device, "NCCL all-reduce of a tensor on {} in the group of {}",
               buffer.device().str(), device.str());
    std::vector<torch::Tensor> tensors{buffer};
    group->allreduce(tensors)->wait();  // makes the current stream wait for NCCL's
  };
  c.shutdown = [group] { group->shutdown(); };
  return c;
#else
  fail("this build of subq has no NCCL (it needs a CUDA LibTorch and nccl.h at build time), so it cannot "
       "train {} processes on CUDA",
       world_size);
#endif
}

}  // namespace subq::train
