// A generic supervised trainer for sequence models (any task whose examples come in
// batches of (inputs, targets)): AdamW, MSE or class-weighted cross-entropy, early stopping
// and model selection on the VALIDATION split only (the test split never reaches it), with a
// progress bar per epoch. The module's best-validation weights are restored at the end.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::train {

enum class TaskKind { Regression, Binary, Multiclass };

struct SupervisedTask {
  TaskKind kind = TaskKind::Regression;
  int64_t classes = 1;              // 1 for regression, >= 2 otherwise
  int64_t outputs() const { return classes; }  // regression: 1 value; classification: logits
  std::string name() const;
  // "regression" | "binary" | "multiclass"; classes only matters for multiclass.
  static SupervisedTask parse(const std::string& name, int64_t classes = 2);
};

// A split as the trainer sees it: its size and a function giving the (inputs, targets) of
// some rows. Targets: float (N) for regression, int64 class indices (N) otherwise.
struct ExampleSource {
  int64_t size = 0;
  std::function<std::pair<torch::Tensor, torch::Tensor>(const std::vector<int64_t>&)> batch;
};

struct TrainerOptions {
  int epochs = 50;
  int64_t batch_size = 64;
  double lr = 1e-3, weight_decay = 0.01;
  int patience = 10;                 // epochs without validation improvement before stopping
  uint64_t seed = 0;                 // shuffling order
  double max_seconds = 0;            // wall-clock budget (0 = none); stops after an epoch
  std::vector<double> class_weights; // cross-entropy weights (empty = uniform)
  std::string label = "train";       // progress bar label
};

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, validation_loss = 0, seconds = 0;
};

struct TrainResult {
  int best_epoch = 0;
  double best_validation_loss = 0;
  double seconds = 0;
  bool stopped_early = false;
  std::vector<EpochRecord> history;
};

using ForwardFn = std::function<torch::Tensor(const torch::Tensor&)>;

class SupervisedTrainer {
 public:
  SupervisedTrainer(torch::nn::Module& module, ForwardFn forward, SupervisedTask task,
                    TrainerOptions options);
  TrainResult fit(const ExampleSource& train, const ExampleSource& validation);
  // Mean loss of `outputs` (N, outputs) against `targets` under this task.
  torch::Tensor loss(const torch::Tensor& outputs, const torch::Tensor& targets) const;

 private:
  double train_epoch(const ExampleSource& train, torch::optim::Optimizer& optimizer, int epoch);
  double validation_loss(const ExampleSource& validation);

  torch::nn::Module& module_;
  ForwardFn forward_;
  SupervisedTask task_;
  TrainerOptions options_;
  torch::Tensor class_weights_;
};

// Model outputs (N, outputs) for every row of `source`, in eval mode without gradients.
torch::Tensor predict_outputs(torch::nn::Module& module, const ForwardFn& forward,
                              const ExampleSource& source, int64_t batch_size);

// Inverse-frequency class weights n / (K * n_c) from int class labels; a class absent from
// the labels gets weight 0.
std::vector<double> balanced_class_weights(const std::vector<int>& labels, int64_t classes);

// Task metrics from predictions in target units. Regression: spearman, pearson, r2, mse
// (predictions (N) or (N,1)). Classification (outputs = logits (N, K)): accuracy, mcc
// (binary only), auc (binary: positive-class probability).
std::map<std::string, double> task_metrics(const SupervisedTask& task, const torch::Tensor& predictions,
                                           const torch::Tensor& targets);

}  // namespace subq::train
