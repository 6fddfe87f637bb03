#include "subq/util/runtime.h"

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "subq/util/error.h"

namespace subq {

void use_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);  // 0: keep the user's value
  execv("/proc/self/exe", argv);  // returns only on failure: then run on with spinning threads
}

int configure_threads(int threads) {
  if (threads <= 0) {
    if (const char* env = std::getenv("SUBQ_THREADS")) threads = std::atoi(env);
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return threads;
}

torch::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    SUBQ_CHECK(torch::cuda::is_available(),
               "device '{}' requested but this LibTorch build has no usable CUDA device", name);
  }
  try {
    return torch::Device(name);
  } catch (const c10::Error&) {
    fail("unknown device '{}' (use cpu, cuda, cuda:N or auto)", name);
  }
}

}  // namespace subq
