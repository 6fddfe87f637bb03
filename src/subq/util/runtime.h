// Process-wide runtime set-up: LibTorch thread count and the compute device.
#pragma once
#include <string>

#include <torch/torch.h>

namespace subq {

// Sets LibTorch's intra-op threads explicitly: `threads` > 0 wins, else $SUBQ_THREADS,
// else the number of cores. Returns the count in force.
int configure_threads(int threads = 0);

// LibTorch's OpenMP threads spin-wait after each parallel region, and the OpenBLAS they call
// runs its own pthreads: on few cores the spinners starve the BLAS threads. Measured with
// llama_bench on SmolLM2-135M, 2 cores: prefill 110-128 -> 423-500 tok/s and decode
// 3.3 -> 17-18 tok/s with passive waiting. libgomp reads OMP_WAIT_POLICY only when it loads,
// so this sets it and re-executes the program (once; a value the user set is kept).
// The same goes the other way: after each GEMM OpenBLAS's threads keep polling with
// sched_yield for 2^28 cycles (its default) and take the cores from LibTorch's element-wise
// ops (17% of a linearize profile was in sched_yield); OPENBLAS_THREAD_TIMEOUT=4 (its
// minimum, 2^4 cycles) parks them at once. SmolLM2 linearize, 2 cores, two A/B runs:
// attention transfer 186 -> 218 and 181 -> 199 tok/s, LoRA 114 -> 125 and 114 -> 112
// (docs/linearize.md). Also set unless the user did.
// Call first thing in main().
void use_passive_openmp_wait(char** argv);

// "cpu", "cuda", "cuda:1" or "auto" (CUDA when available) -> a torch device, with a clear
// error when CUDA is requested but this LibTorch has none.
torch::Device parse_device(const std::string& name);

}  // namespace subq
