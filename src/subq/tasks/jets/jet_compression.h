// `subq jets compress`: low-rank compression of trained jet taggers (ParT) fold by fold, with
// the tagger's own cross-entropy as the task loss and its training jets as calibration data,
// scored on each fold's test jets before and after (AUC, rejection, inference jets/s).
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/data/jet_dataset.h"
#include "subq/transforms/compress/compress_recipe.h"

namespace subq::tasks::jets {

struct JetCompressionOptions {
  compress::CompressRecipe recipe;  // steps / finetune_steps are set from the epochs below
  int64_t epochs = 2;               // soft-rank training epochs over a fold's training jets
  int64_t finetune_epochs = 0;
  int64_t batch_size = 64;
  int64_t calibration_jets = 512;
  int64_t folds = 1;                // > 1: the model directory holds fold<k>/ of `subq jets train`
  uint64_t seed = 1;                // the seed the folds were made with
  std::filesystem::path out;
};

// Compresses the tagger in `model_dir` (or each of its fold<k>/ models), writes a compressed
// checkpoint per fold under `out` (loadable by load_jet_tagger) and returns per-fold metrics
// with mean +- std.
nlohmann::json compress_jet_taggers(const std::filesystem::path& model_dir, const data::JetDataset& jets,
                                    const JetCompressionOptions& options);

}  // namespace subq::tasks::jets
