// Soft-rank compression (docs/compress.md): swap the chosen linears for SoftRankLinear,
// train factors and thresholds with task loss + annealed budget penalty, then make the budget
// exact and export every layer to its thin two-linear form.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "subq/nn/soft_rank_linear.h"
#include "subq/transforms/compress/budget.h"
#include "subq/transforms/compress/calibration.h"
#include "subq/transforms/compress/linear_slots.h"
#include "subq/transforms/compress/layer_report.h"

namespace subq::compress {

struct SoftRankLayer {
  nn::LinearRef ref;
  std::shared_ptr<nn::SoftRankLinear> layer;
};

// Replaces every linear matching `patterns` by its SoftRankLinear. With `whitening`, each
// layer is decomposed in the activation-whitened basis (see whitened_svd) instead of the
// plain SVD, so the threshold removes the directions that matter least for the outputs.
std::vector<SoftRankLayer> convert_to_soft_rank(const LinearSlots& slots,
                                                const std::string& patterns,
                                                double initial_threshold,
                                                const InputStatisticsMap* whitening = nullptr);

struct SoftRankTraining {
  double target_reduction = 0.5;  // fraction of the chosen layers' weights to remove
  int64_t steps = 100;
  double lr_factors = 1e-4;       // U, V, s (and bias)
  double lr_threshold = 0.05;     // the per-layer threshold logits t
  Annealing annealing;
};

// The model's loss on its next training batch (e.g. next-token cross-entropy); `step`
// counts from 0.
using TaskLoss = std::function<torch::Tensor(int64_t step)>;

struct SoftRankStep {
  double task_loss, penalty, smooth_parameters, temperature, lambda;
  int64_t exported_parameters;
};

// Trains factors and thresholds of `layers`; returns one record per step.
std::vector<SoftRankStep> train_soft_rank(const std::vector<SoftRankLayer>& layers,
                                          const TaskLoss& task_loss,
                                          const SoftRankTraining& options);

// Raises all thresholds by one common logit shift (the smallest that suffices) until the
// exported parameter count meets the budget: training leaves the budget soft, export needs it
// exact. Keeps the learned allocation between layers. Returns the shift applied. A target
// below rank 1 everywhere cannot be met; the layers then end at rank 1.
double enforce_budget(const std::vector<SoftRankLayer>& layers, double target_reduction);

// Starts training at the budget: one common threshold shift makes the hard count meet the
// target (enforce_budget), then every layer is set to compute its hard truncation there
// (SoftRankLinear::compensate_shrinkage). Training then only moves rank between layers and
// adapts the factors, which matters when the training budget is a few dozen steps.
void start_at_budget(const std::vector<SoftRankLayer>& layers, double target_reduction);

// Replaces each SoftRankLinear by a FactorizedLinear of its hard rank (DenseLinear where the
// factorisation would not save weights). Returns the per-layer ranks and sizes.
std::vector<CompressedLayer> export_soft_rank(const std::vector<SoftRankLayer>& layers,
                                              const std::vector<int64_t>& original_parameters);

}  // namespace subq::compress
