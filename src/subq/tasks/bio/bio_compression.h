// `subq bio compress`: low-rank compression of a trained bio model (Lyra, CNN, Transformer)
// with its own training loss on the training split, scored on validation and test before and
// after; and the loader that reads both trained and compressed bio model directories.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/data/bio_dataset.h"
#include "subq/tasks/bio/bio_pipeline.h"
#include "subq/transforms/compress/compress_recipe.h"

namespace subq::tasks::bio {

struct BioCompressionOptions {
  compress::CompressRecipe recipe;  // steps / finetune_steps are set from the epochs below
  int64_t epochs = 2;               // soft-rank training epochs over the training rows
  int64_t finetune_epochs = 0;
  int64_t batch_size = 32;
  int64_t calibration_rows = 256;
  uint64_t seed = 0;
  std::filesystem::path out;
};

// A `subq bio train` directory, or a `subq bio compress` one (its base model with the stored
// low-rank layers swapped in).
BioPredictor load_bio_predictor(const std::filesystem::path& dir);

nlohmann::json compress_bio_model(const std::filesystem::path& model_dir, const data::BioDataset& dataset,
                                  const BioCompressionOptions& options);

}  // namespace subq::tasks::bio
