// Baselines for soft-rank compression at the same parameter budget: every chosen layer gets
// the same rank r (the largest whose exported size meets the budget) and is truncated either
// by plain SVD or by activation-aware SVD (whitened by calibration inputs, as in SVD-LLM).
// A layer whose r is at or above its break-even rank stays dense and exact.
#pragma once
#include <string>
#include <vector>

#include "subq/transforms/compress/calibration.h"
#include "subq/transforms/compress/layer_report.h"
#include "subq/transforms/compress/linear_slots.h"

namespace subq::compress {

struct LayerShape {
  int64_t in_features, out_features;
};

// Largest uniform rank whose exported weights stay within (1 - target_reduction) of the
// layers' dense weights (at least 1).
int64_t uniform_rank_for_budget(const std::vector<LayerShape>& shapes, double target_reduction);

// Truncates the chosen layers in place to the uniform rank. With `whitening`, the SVD is taken
// in the activation-whitened basis (activation-aware SVD); otherwise plain SVD.
std::vector<CompressedLayer> truncate_uniform(const LinearSlots& slots, const std::string& patterns,
                                              double target_reduction,
                                              const InputStatisticsMap* whitening = nullptr);

}  // namespace subq::compress
