// Training and evaluating jet taggers (ParT, PCN) on prepared jets: shuffled mini-batches
// trimmed to their largest particle count, cross-entropy, Ranger (ParT, weaver's flat+decay
// schedule) or AdamW (PCN), early stopping on a validation split, the best model kept as an
// atomic safetensors checkpoint with its config in the metadata. k-fold cross-validation
// runs this per fold and reports mean +- std of the field's metrics.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "subq/data/jet_inputs.h"
#include "subq/models/jet_tagger.h"

namespace subq::tasks::jets {

struct JetTrainOptions {
  int64_t epochs = 20;
  int64_t batch_size = 128;
  double lr = 1e-3;
  std::string optimizer = "ranger";  // "ranger" (ParT) | "adamw" (PCN)
  double weight_decay = 0.01;        // AdamW only
  int64_t patience = 10;             // epochs without validation-loss improvement
  uint64_t seed = 1;
  double val_fraction = 0.1;         // of the training part, for early stopping
  int64_t eval_batch_size = 256;
};

struct JetTrainResult {
  int64_t best_epoch = 0, epochs_run = 0;
  double best_val_loss = 0, best_val_accuracy = 0;
  double train_jets_per_second = 0;
  nlohmann::json history = nlohmann::json::array();  // per epoch: loss, val_loss, val_acc, lr
};

// Trains `model` on `train`, early-stopping on `val`; saves the best weights to `checkpoint`
// and leaves them loaded in `model`.
JetTrainResult train_jet_tagger(models::JetTagger& model, const data::PreparedJets& train,
                                const data::PreparedJets& val, const JetTrainOptions& options,
                                const std::filesystem::path& checkpoint);

// Softmax class probabilities (N, C) in eval mode; batches are formed from jets of similar
// particle count so padding stays small.
torch::Tensor predict_probabilities(models::JetTagger& model, const data::PreparedJets& jets,
                                    int64_t batch_size, bool show_progress = true);

// Checkpoint I/O: weights + {"config", "class_names"} metadata.
void save_jet_tagger(models::JetTagger& model, const std::vector<std::string>& class_names,
                     const std::filesystem::path& path);
struct LoadedJetTagger {
  std::shared_ptr<models::JetTagger> model;
  std::vector<std::string> class_names;
};
// `path` is a checkpoint file or a directory holding model.safetensors.
LoadedJetTagger load_jet_tagger(const std::filesystem::path& path);

// Index splits: k folds of a seeded permutation (fold f is the test part), and a seeded
// train/validation split of the rest.
struct FoldSplit {
  torch::Tensor train, val, test;
};
FoldSplit make_fold_split(int64_t jets, int64_t folds, int64_t fold, double val_fraction,
                          uint64_t seed);

}  // namespace subq::tasks::jets
