// Data-parallel training across processes with torch c10d: every process (rank) computes
// gradients on its slice of the global batch, and the gradients are summed with an
// all-reduce (Gloo on CPU; NCCL would be the CUDA choice) so all ranks take the same step.
// Processes meet through a c10d store: a FileStore (local runs, `--nproc N`) or a TCPStore
// (MASTER_ADDR / MASTER_PORT, for several machines), configured from the environment as
// torchrun does: RANK, WORLD_SIZE, and SUBQ_DIST_FILE or MASTER_ADDR/MASTER_PORT.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::train {

class ProcessGroup {
 public:
  // A group of one (no communication).
  ProcessGroup();
  ~ProcessGroup();
  // From RANK / WORLD_SIZE / SUBQ_DIST_FILE / MASTER_ADDR / MASTER_PORT; a group of one when
  // WORLD_SIZE is unset or 1.
  static std::unique_ptr<ProcessGroup> from_environment();
  // Joins a group whose processes share the file `store_path` (same machine or shared disk).
  static std::unique_ptr<ProcessGroup> with_file_store(const std::string& store_path, int rank, int world_size);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }

  // Sums the tensors element-wise over all ranks, in place (one flattened all-reduce).
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors);
  double all_reduce_sum(double value);
  void barrier();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_size_ = 1;
};

// Runs `nproc` copies of this program with `args` (argv without the program name), each
// with RANK, WORLD_SIZE and a shared SUBQ_DIST_FILE set; waits for all. Returns 0 when all
// succeed, otherwise the first non-zero exit status (and terminates the others).
int launch_local_workers(int nproc, const std::vector<std::string>& args);

}  // namespace subq::train
