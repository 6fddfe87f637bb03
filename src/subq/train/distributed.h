// Data-parallel training across processes with torch c10d: every process (rank) computes
// gradients on its slice of the global batch, and the gradients are summed with an
// all-reduce (Gloo on CPU, NCCL on CUDA with one GPU per process; train/collectives.h) so
// all ranks take the same step.
// Processes meet through a c10d store: a FileStore (local runs, `--nproc N`) or a TCPStore
// (MASTER_ADDR / MASTER_PORT, for several machines), configured from the environment as
// torchrun does: RANK, WORLD_SIZE, LOCAL_RANK (which GPU), and SUBQ_DIST_FILE or
// MASTER_ADDR/MASTER_PORT.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace c10d {
class Store;
}

namespace subq::train {

class ProcessGroup {
 public:
  // A group of one (no communication).
  ProcessGroup();
  ~ProcessGroup();
  // From RANK / WORLD_SIZE / LOCAL_RANK / SUBQ_DIST_FILE / MASTER_ADDR / MASTER_PORT; a group
  // of one when WORLD_SIZE is unset or 1. `device` is where training runs: CPU gives Gloo, a
  // CUDA device gives NCCL with this process on GPU LOCAL_RANK (default: RANK).
  static std::unique_ptr<ProcessGroup> from_environment(torch::Device device = torch::kCPU);
  // Joins a group whose processes share the file `store_path` (same machine or shared disk).
  // Unlike from_environment, a world of one still builds the backend (tests use that).
  static std::unique_ptr<ProcessGroup> with_file_store(const std::string& store_path, int rank, int world_size,
                                                       torch::Device device = torch::kCPU);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }
  // Where this rank trains: the device given, with the GPU index filled in under NCCL.
  torch::Device device() const { return device_; }

  // Sums the tensors element-wise over all ranks, in place (one flattened all-reduce on
  // device()); the tensors may live on any device.
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors);
  double all_reduce_sum(double value);
  void barrier();

 private:
  // Builds the backend for device_ over `store`.
  void connect(c10::intrusive_ptr<c10d::Store> store);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_size_ = 1;
  torch::Device device_ = torch::kCPU;
};

// Runs `nproc` copies of this program with `args` (argv without the program name), each with
// RANK, LOCAL_RANK, WORLD_SIZE and a shared SUBQ_DIST_FILE set; waits for all. Returns 0 when
// all succeed, otherwise the first non-zero exit status (and terminates the others).
int launch_local_workers(int nproc, const std::vector<std::string>& args);

// Fails clearly unless `nproc` processes can train on `device` here: NCCL needs a build with
// NCCL and one visible GPU per process (it refuses two ranks on one GPU).
void check_local_workers(int nproc, torch::Device device);

}  // namespace subq::train
