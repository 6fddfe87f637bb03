// Input statistics of linear layers on calibration data, for activation-aware SVD. Each
// chosen layer is temporarily wrapped by a recorder that accumulates X^T X of its inputs;
// the originals are put back before `collect_input_statistics` returns (also on error).
#pragma once
#include <functional>
#include <map>
#include <string>

#include <torch/torch.h>

#include "subq/transforms/compress/linear_slots.h"

namespace subq::compress {

struct InputStatistics {
  torch::Tensor gram;  // float64, in x in: sum over rows of x^T x
  int64_t rows = 0;    // how many input vectors were seen
};
using InputStatisticsMap = std::map<std::string, InputStatistics>;  // by layer path

// Runs `run_calibration` (which should call the model's forward on calibration batches,
// under NoGradGuard) with recorders in place of the chosen linears.
InputStatisticsMap collect_input_statistics(const LinearSlots& slots, const std::string& patterns,
                                            const std::function<void()>& run_calibration);

// Whitened SVD of `weight` (out x in) under the input distribution `stats` (SVD-LLM):
// with Cholesky factor S of E[x x^T], W S = U diag(s) Vw^T, so W = U diag(s) (S^-T Vw)^T and
// truncating s minimises the error of the layer's *outputs* on the calibration inputs.
// Returns {U (out x k), s (k), V (in x k)} with V = S^-T Vw, in the weight's dtype.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> whitened_svd(const torch::Tensor& weight,
                                                                      const InputStatistics& stats);

}  // namespace subq::compress
