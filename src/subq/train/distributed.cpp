#include "subq/train/distributed.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if __has_include(<gloo/context.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define SUBQ_HAVE_GLOO 1
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

#include "subq/util/error.h"

namespace subq::train {

// The Gloo group itself, not its c10d::ProcessGroup base: since PyTorch 2.0 ProcessGroupGloo
// derives from c10d::Backend instead, and both versions have allreduce and barrier on it.
#ifdef SUBQ_HAVE_GLOO
using CollectiveGroup = c10d::ProcessGroupGloo;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveGroup> group;
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

c10::intrusive_ptr<CollectiveGroup> make_gloo(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                 int world_size) {
#ifdef SUBQ_HAVE_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(30));
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  if (const char* addr = std::getenv("MASTER_ADDR"))
    options->devices.back() = c10d::ProcessGroupGloo::createDefaultDevice();
  options->threads = 1;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
#else
  fail("this build has no Gloo headers (install libgloo-dev and rebuild) so it cannot run {} processes",
       world_size);
#endif
}
}  // namespace

ProcessGroup::ProcessGroup() = default;
ProcessGroup::~ProcessGroup() = default;

std::unique_ptr<ProcessGroup> ProcessGroup::with_file_store(const std::string& store_path, int rank,
                                                            int world_size) {
  SUBQ_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank {} is invalid for world size {}",
             rank, world_size);
  auto pg = std::make_unique<ProcessGroup>();
  pg->rank_ = rank;
  pg->world_size_ = world_size;
  if (world_size == 1) return pg;
  pg->impl_ = std::make_unique<Impl>();
  pg->impl_->store = c10::make_intrusive<c10d::FileStore>(store_path, world_size);
  pg->impl_->group = make_gloo(pg->impl_->store, rank, world_size);
  return pg;
}

std::unique_ptr<ProcessGroup> ProcessGroup::from_environment() {
  const int world = env_int("WORLD_SIZE", 1);
  const int rank = env_int("RANK", 0);
  if (world == 1) return std::make_unique<ProcessGroup>();
  if (const char* file = std::getenv("SUBQ_DIST_FILE")) return with_file_store(file, rank, world);
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
  pg->impl_ = std::make_unique<Impl>();
  pg->impl_->store = c10::make_intrusive<c10d::TCPStore>(addr, opts);
  pg->impl_->group = make_gloo(pg->impl_->store, rank, world);
  return pg;
}

void ProcessGroup::all_reduce_sum(const std::vector<torch::Tensor>& tensors) {
  if (world_size_ == 1 || tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
  // Reduce in float64: the sum then does not depend on the ring order, which keeps ranks and
  // the single-process run as close as possible.
  std::vector<torch::Tensor> buffer{torch::cat(flat_parts)};
  impl_->group->allreduce(buffer)->wait();
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    const auto n = t.numel();
    t.copy_(buffer[0].narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

double ProcessGroup::all_reduce_sum(double value) {
  auto t = torch::tensor({value}, torch::kFloat64);
  all_reduce_sum(std::vector<torch::Tensor>{t});
  return t.item<double>();
}

void ProcessGroup::barrier() {
  if (world_size_ > 1) impl_->group->barrier()->wait();
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
