#include "subq/train/distributed.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "subq/train/collectives.h"
#include "subq/util/error.h"

namespace subq::train {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  Collectives collectives;
  ~Impl() {
    if (!collectives.shutdown) return;
    try {
      collectives.shutdown();
    } catch (const std::exception&) {
      // A destructor must not throw; a backend that cannot shut down cleanly dies with the process.
    }
  }
};

namespace {
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  SUBQ_CHECK(*end == 0, "environment variable {}='{}' is not an integer", name, v);
  return static_cast<int>(x);
}

// The device a rank trains on: under NCCL every process has a GPU of its own.
torch::Device rank_device(torch::Device device, int local_rank) {
  if (!device.is_cuda() || device.has_index()) return device;
  const int gpus = static_cast<int>(torch::cuda::device_count());
  SUBQ_CHECK(local_rank < gpus, "process with LOCAL_RANK {} needs CUDA device {}, but {} GPU(s) are visible "
             "(NCCL runs one process per GPU)", local_rank, local_rank, gpus);
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
}
}  // namespace

void ProcessGroup::connect(c10::intrusive_ptr<c10d::Store> store) {
  impl_ = std::make_unique<Impl>();
  impl_->store = std::move(store);
  impl_->collectives = device_.is_cuda() ? nccl_collectives(impl_->store, rank_, world_size_, device_)
                                         : gloo_collectives(impl_->store, rank_, world_size_);
}

ProcessGroup::ProcessGroup() = default;
ProcessGroup::~ProcessGroup() = default;

std::unique_ptr<ProcessGroup> ProcessGroup::with_file_store(const std::string& store_path, int rank,
                                                            int world_size, torch::Device device) {
  SUBQ_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank {} is invalid for world size {}",
             rank, world_size);
  auto pg = std::make_unique<ProcessGroup>();
  pg->rank_ = rank;
  pg->world_size_ = world_size;
  pg->device_ = rank_device(device, rank);
  pg->connect(c10::make_intrusive<c10d::FileStore>(store_path, world_size));
  return pg;
}

std::unique_ptr<ProcessGroup> ProcessGroup::from_environment(torch::Device device) {
  const int world = env_int("WORLD_SIZE", 1);
  const int rank = env_int("RANK", 0);
  if (world == 1) {
    auto pg = std::make_unique<ProcessGroup>();
    pg->device_ = device;
    return pg;
  }
  const auto own_device = rank_device(device, env_int("LOCAL_RANK", rank));
  if (const char* file = std::getenv("SUBQ_DIST_FILE")) return with_file_store(file, rank, world, own_device);
  const char* addr = std::getenv("MASTER_ADDR");
  SUBQ_CHECK(addr, "WORLD_SIZE={} but neither SUBQ_DIST_FILE nor MASTER_ADDR is set", world);
  SUBQ_CHECK(rank >= 0 && rank < world, "RANK {} is invalid for WORLD_SIZE {}", rank, world);
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(env_int("MASTER_PORT", c10d::TCPStoreOptions::kDefaultPort));
  opts.isServer = rank == 0;
  opts.numWorkers = world;
  auto pg = std::make_unique<ProcessGroup>();
  pg->rank_ = rank;
  pg->world_size_ = world;
  pg->device_ = own_device;
  pg->connect(c10::make_intrusive<c10d::TCPStore>(addr, opts));
  return pg;
}

void ProcessGroup::all_reduce_sum(const std::vector<torch::Tensor>& tensors) {
  if (!impl_ || tensors.empty()) return;
  // Reduce in float64: the sum then does not depend on the ring order, which keeps ranks and
  // the single-process run as close as possible. One buffer on the backend's device.
  std::vector<torch::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.detach().reshape({-1}).to(device_, torch::kFloat64));
  auto buffer = torch::cat(flat_parts);
  impl_->collectives.all_reduce_sum(buffer);
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    const auto n = t.numel();
    t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

double ProcessGroup::all_reduce_sum(double value) {
  auto t = torch::tensor({value}, torch::kFloat64);
  all_reduce_sum(std::vector<torch::Tensor>{t});
  return t.item<double>();
}

// Every rank has to contribute to a sum before any rank can read it back.
void ProcessGroup::barrier() {
  if (impl_) all_reduce_sum(0.0);
}

void check_local_workers(int nproc, torch::Device device) {
  SUBQ_CHECK(nproc >= 1, "--nproc must be at least 1, got {}", nproc);
  if (nproc == 1) return;
  if (!device.is_cuda()) {
    SUBQ_CHECK(gloo_built(), "--nproc {} on the CPU needs Gloo, and this build of subq has none (build it with "
               "gloo's headers, e.g. Debian's libgloo-dev)", nproc);
    return;
  }
  SUBQ_CHECK(nccl_built(), "--nproc {} on CUDA needs NCCL, and this build of subq has none (build it against a "
             "CUDA LibTorch with nccl.h available)", nproc);
  SUBQ_CHECK(!device.has_index(), "--nproc {} with --device {}: give --device cuda without an index; process r "
             "trains on GPU r", nproc, device.str());
  const int gpus = static_cast<int>(torch::cuda::device_count());
  SUBQ_CHECK(nproc <= gpus, "--nproc {} on CUDA: NCCL runs one process per GPU, and {} GPU(s) are visible",
             nproc, gpus);
}

int launch_local_workers(int nproc, const std::vector<std::string>& args) {
  SUBQ_CHECK(nproc >= 1, "--nproc must be at least 1, got {}", nproc);
  const auto store = std::filesystem::temp_directory_path() /
                     fmt::format("subq-dist-{}-{}", getpid(),
                                 std::chrono::steady_clock::now().time_since_epoch().count());
  const auto exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<pid_t> children;
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    SUBQ_CHECK(pid >= 0, "fork failed while starting worker {}", rank);
    if (pid == 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("SUBQ_DIST_FILE", store.c_str(), 1);
      std::vector<char*> argv{const_cast<char*>(exe.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    children.push_back(pid);
  }
  int result = 0;
  for (size_t done = 0; done < children.size(); ++done) {
    int status = 0;
    const pid_t pid = wait(&status);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0 && result == 0) {
      result = code;
      // One worker failed: the others would wait forever in the next all-reduce.
      for (auto c : children)
        if (c != pid) kill(c, SIGTERM);
    }
  }
  std::error_code ec;
  std::filesystem::remove(store, ec);
  return result;
}

}  // namespace subq::train
