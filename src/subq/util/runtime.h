// Process-wide runtime set-up: LibTorch thread count and the compute device.
#pragma once
#include <string>

#include <torch/torch.h>

namespace subq {

// Sets LibTorch's intra-op threads explicitly: `threads` > 0 wins, else $SUBQ_THREADS,
// else the number of cores. Returns the count in force.
int configure_threads(int threads = 0);

// "cpu", "cuda", "cuda:1" or "auto" (CUDA when available) -> a torch device, with a clear
// error when CUDA is requested but this LibTorch has none.
torch::Device parse_device(const std::string& name);

}  // namespace subq
