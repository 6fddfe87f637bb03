// Glue between bio data sets, bio models and the supervised trainer: what `subq bio
// train|eval|predict` do, as library calls (so tests run them without the CLI).
// A trained model is a directory: model.safetensors (weights; metadata "subq.bio" holds the
// JSON below) and config.json (the same JSON, for people).
//   {"model": kind, "model_config": {...}, "task": ..., "classes": K,
//    "target_mean": m, "target_std": s, "data": BioDataSpec, "training": {...}}
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "subq/data/bio_dataset.h"
#include "subq/models/lyra/bio_model.h"
#include "subq/train/supervised_trainer.h"

namespace subq::tasks::bio {

struct BioTrainRequest {
  std::string model = "lyra";
  std::string task = "regression";
  int64_t classes = 2;               // multiclass only
  nlohmann::json model_config;       // overrides of the model's config struct
  train::TrainerOptions trainer;
  uint64_t seed = 0;                 // weights initialisation and shuffling
};

// A model with what is needed to turn its outputs into predictions.
struct BioPredictor {
  std::shared_ptr<models::BioSequenceModel> model;
  train::SupervisedTask task;
  double target_mean = 0, target_std = 1;  // regression targets are trained z-scored
  data::BioDataSpec data;
  nlohmann::json metadata;
  // Regression: (N) values in target units; classification: (N, K) logits.
  torch::Tensor predict(const data::BioDataset& dataset, const std::vector<int64_t>& rows,
                        int64_t batch_size = 256) const;
};

struct BioTrainOutcome {
  BioPredictor predictor;
  train::TrainResult training;
  std::map<std::string, double> validation_metrics, test_metrics;  // test empty without a test split
};

// Trains on the dataset's train split, selects on its validation split, then scores both
// validation and test with the selected weights.
BioTrainOutcome train_bio_model(const data::BioDataset& dataset, const data::BioDataSpec& spec,
                                const BioTrainRequest& request);

void save_bio_model(const BioPredictor& predictor, const std::filesystem::path& dir);

// The trainer's (inputs, targets) view of `rows`, targets scaled as `predictor` was trained.
train::ExampleSource training_source(const BioPredictor& predictor, const data::BioDataset& dataset,
                                     const std::vector<int64_t>& rows);
BioPredictor load_bio_model(const std::filesystem::path& dir);

// Metrics of the predictor on the rows of `split` (all rows when split is empty).
std::map<std::string, double> evaluate_bio_model(const BioPredictor& predictor, const data::BioDataset& dataset,
                                                 const std::vector<int64_t>& rows);

// CSV: origin,split,prediction (regression) or origin,split,predicted_class,p_0..p_{K-1};
// written atomically.
void write_bio_predictions(const BioPredictor& predictor, const data::BioDataset& dataset,
                           const std::filesystem::path& path);

}  // namespace subq::tasks::bio
