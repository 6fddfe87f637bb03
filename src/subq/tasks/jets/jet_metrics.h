// The field's jet-tagging metrics from class probabilities, via eval/metrics.h:
// binary (top vs QCD): accuracy, ROC AUC, background rejection 1/eps_B at 30% and 50% signal
// efficiency (class 1 = signal); multiclass (JetClass): top-1 accuracy, macro one-vs-rest AUC,
// per-class one-vs-rest AUC and rejections, and PCN's "mean one-vs-rest accuracy"
// (= 1 - 2 (1 - top1) / C). Always a confusion matrix. ROC curves are kept for figures.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/eval/metrics.h"

namespace subq::tasks::jets {

struct JetMetrics {
  nlohmann::json summary;                       // numbers, ready for --json
  std::vector<std::string> roc_names;           // "top vs QCD", "Hbb vs rest", ...
  std::vector<eval::RocCurve> rocs;
};

// probabilities (N, C), labels (N).
JetMetrics jet_metrics(const torch::Tensor& probabilities, const torch::Tensor& labels,
                       const std::vector<std::string>& class_names);

// Metrics of a single score (e.g. jet mass) as a signal-vs-background discriminant.
JetMetrics score_metrics(const std::vector<double>& scores, const std::vector<int>& labels,
                         const std::string& name);

// Writes roc.json, roc.png and roc.svg (signal efficiency vs background rejection, log y)
// into `directory`.
void save_roc_outputs(const JetMetrics& metrics, const std::string& title,
                      const std::string& directory);

}  // namespace subq::tasks::jets
