// The communication backends behind train::ProcessGroup, one per device kind, as in c10d:
// Gloo for CPU tensors, NCCL for CUDA tensors (one GPU per process). Each is a sum all-reduce
// over the ranks of a c10d store; ProcessGroup builds everything else (barrier, scalars) on it.
#pragma once
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace c10d {
class Store;
}

namespace subq::train {

struct Collectives {
  // Sums `buffer` (one tensor on the backend's device) over all ranks, in place, and returns
  // once the result is usable on this rank (for NCCL: ordered on the current CUDA stream).
  std::function<void(torch::Tensor& buffer)> all_reduce_sum;
  // Ends the backend cleanly (NCCL: destroys its communicators); empty when there is nothing to do.
  std::function<void()> shutdown;
};

// Gloo over the loopback interface (or the default interface when MASTER_ADDR is set).
Collectives gloo_collectives(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world_size);
// NCCL on `device` (a CUDA device of this process). Fails clearly in builds without NCCL.
Collectives nccl_collectives(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world_size,
                             torch::Device device);
// Whether this build can run each backend: Gloo needs gloo's headers (Debian's libgloo-dev;
// pip's LibTorch ships none), NCCL a CUDA LibTorch and nccl.h.
bool gloo_built();
bool nccl_built();

}  // namespace subq::train
