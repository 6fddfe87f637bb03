// The experiments behind `subq jets train|eval|baseline`: k-fold cross-validation of a tagger
// (train, early-stop, test each fold; metrics, ROC figures and checkpoints per fold; mean +- std
// over folds), evaluation of a saved tagger on any jet file, and the jet-mass / constituent-
// count baselines on the same folds.
#pragma once
#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "subq/data/jet_dataset.h"
#include "subq/tasks/jets/jet_trainer.h"

namespace subq::tasks::jets {

struct JetExperimentOptions {
  JetTrainOptions train;
  int64_t folds = 1;  // 1 = one train/val/test split
  std::filesystem::path out;
};

// Writes <out>/fold<k>/{model.safetensors, metrics.json, roc.*} (or directly into <out> for
// one fold), <out>/summary.json and <out>/model.safetensors (fold 0's model); returns summary.
nlohmann::json run_jet_cross_validation(const data::JetDataset& jets,
                                        const nlohmann::json& model_config,
                                        const JetExperimentOptions& options);

// Metrics of a saved tagger on `jets`; ROC files go to `roc_dir` when non-empty.
nlohmann::json evaluate_saved_tagger(const LoadedJetTagger& tagger, const data::JetDataset& jets,
                                     const std::filesystem::path& roc_dir, int64_t batch_size = 256);

// Metrics of `model` on `jets` and its inference rate: the best of `repeats` timed passes of
// `predict` (default: predict_probabilities, batch 256); on a shared machine the fastest pass
// is the least disturbed.
struct TimedScore {
  nlohmann::json metrics;
  double jets_per_second = 0;
};
using TaggerPredict = std::function<torch::Tensor(models::JetTagger&, const data::PreparedJets&)>;
TimedScore timed_score(models::JetTagger& model, const data::PreparedJets& jets,
                       const std::vector<std::string>& class_names, int repeats,
                       const TaggerPredict& predict = nullptr);

// Jet-mass and constituent-count AUCs (binary datasets) on the whole sample and on the test
// parts of the same folds the taggers use (mean +- std).
nlohmann::json jet_baselines(const data::JetDataset& jets, int64_t folds, uint64_t seed,
                             double val_fraction);

// {"mean": ..., "std": ..., "values": [...]} for every numeric key shared by `runs`.
nlohmann::json summarize_runs(const std::vector<nlohmann::json>& runs);

}  // namespace subq::tasks::jets
