// Everything a training run needs to continue exactly where it stopped: trainable
// parameters, the best parameters so far, AdamW moments and step counts, the plateau
// scheduler, the data position and the RNG. One safetensors file, replaced atomically, so a
// kill -9 at any moment leaves either the previous or the new checkpoint, never a mix.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>
#include <string>

#include <torch/torch.h>

#include "subq/train/plateau.h"

namespace subq::train {

// The counters of a run (all that is not a tensor).
struct TrainProgress {
  int64_t step = 0;             // optimizer steps done
  int64_t samples = 0;          // position in the sample stream
  int64_t tokens = 0;           // tokens trained on so far
  int64_t best_step = -1;       // step of the best validation loss (-1: none yet)
  double best_val = 0;          // that loss
  double last_val = 0;
  double last_train_loss = 0;
  double seconds = 0;           // training wall time accumulated over all sessions
  double lr = 0;
  int plateau_bad = 0;          // checks without improvement (ReduceLROnPlateau)
};

// The trainable parameters of `model` (requires_grad), by name, in a stable order.
std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(const torch::nn::Module& model);

// Writes the checkpoint. `best` holds the best parameters (same names) or is empty.
// `fingerprint` identifies the run's configuration; resuming with another one is refused.
void save_training_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                              const std::map<std::string, torch::Tensor>& best,
                              torch::optim::AdamW& optimizer, const TrainProgress& progress,
                              const std::string& fingerprint);

// Restores what save_training_checkpoint wrote into model, best, optimizer (its moments and
// step counts) and the global RNG; returns the counters. Errors name the file and what
// does not match (other configuration, other parameter shapes).
TrainProgress load_training_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                                       std::map<std::string, torch::Tensor>* best,
                                       torch::optim::AdamW& optimizer, const std::string& fingerprint);

}  // namespace subq::train
