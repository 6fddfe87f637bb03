// The training loop every subq fine-tuning stage uses (attention transfer, LoRA): AdamW on a
// model's trainable parameters, a fixed global batch drawn from a deterministic sample
// stream, validation every N steps with ReduceLROnPlateau and best-checkpoint keeping,
// atomic resumable checkpoints, data parallelism over a ProcessGroup, and a progress bar
// with loss, tokens/s and ETA. Rerunning the same command after a crash continues from the
// last checkpoint and reproduces the uninterrupted run.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "subq/train/distributed.h"
#include "subq/train/training_checkpoint.h"

namespace subq::train {

struct TrainerConfig {
  int64_t max_steps = 100;
  int64_t batch_size = 8;        // global batch in examples (split evenly over ranks)
  int64_t micro_batch = 0;       // examples per forward/backward on one rank (0: all at once)
  double lr = 1e-3;
  double weight_decay = 0.0;
  int64_t eval_every = 100;      // validate (and step the plateau scheduler) every N steps
  int64_t checkpoint_every = 0;  // write the resumable checkpoint every N steps (0: eval_every)
  double plateau_factor = 0.1;
  int plateau_patience = 10;
  double min_lr = 1e-5;
  uint64_t seed = 0;             // data order
  std::filesystem::path checkpoint;  // resumable checkpoint file; empty: none
  int64_t stop_after_steps = -1; // stop this session after N steps as if killed (tests)
  std::string label = "train";
  // A description of everything that must match for a checkpoint to be resumed.
  std::string fingerprint() const;
};

// A sum of per-item losses (e.g. per-token cross-entropy) and the number of items, so the
// global mean over all ranks is exact: gradients of the sums are all-reduced, then divided
// by the global count.
struct LossSum {
  torch::Tensor sum;
  double count = 0;
  int64_t tokens = 0;  // tokens processed (throughput)
};

// Computes the loss of the examples with these indices (train or validation set).
using ExampleLoss = std::function<LossSum(const std::vector<int64_t>& indices, bool validation)>;

struct TrainResult {
  TrainProgress progress;
  bool finished = false;        // false when stopped by stop_after_steps
  double tokens_per_second = 0; // in this session
  int64_t trainable_parameters = 0;
};

class ResumableTrainer {
 public:
  ResumableTrainer(torch::nn::Module& model, TrainerConfig config, ProcessGroup& group);
  // Trains on examples [0, num_train) and validates on [0, num_val) (0: no validation, the
  // final parameters are kept). Leaves the model holding the best validated parameters.
  TrainResult run(int64_t num_train, int64_t num_val, const ExampleLoss& loss);

 private:
  torch::nn::Module& model_;
  TrainerConfig config_;
  ProcessGroup& group_;
};

}  // namespace subq::train
