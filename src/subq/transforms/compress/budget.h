// Parameter budget of soft-rank compression. The compression ratio is always a *total
// parameter reduction*: target 0.5 means the chosen layers keep half of their weights.
//   P_total = sum_l m_l n_l                      (dense weights of the chosen layers)
//   P_hat   = sum_l (m_l + n_l) sum_k sigmoid((s_k - tau_l) / (T max s))   (smooth count)
//   penalty = lambda * relu(P_hat - (1 - target) P_total) / P_total
// with the temperature T annealed down (the count sharpens into the hard rank) and lambda
// annealed up (the budget becomes a hard constraint by the end of training).
#pragma once
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "subq/nn/soft_rank_linear.h"

namespace subq::compress {

// Geometric interpolation from `start` to `end` over `steps` (step 0 -> start).
double geometric_schedule(double start, double end, int64_t step, int64_t steps);

struct Annealing {
  double temperature_start = 0.05, temperature_end = 0.005;
  double lambda_start = 1.0, lambda_end = 50.0;
  double temperature(int64_t step, int64_t steps) const;
  double lambda(int64_t step, int64_t steps) const;
};

class BudgetPenalty {
 public:
  // `target_reduction` in (0, 1): the fraction of the layers' dense weights to remove.
  BudgetPenalty(std::vector<std::shared_ptr<nn::SoftRankLinear>> layers, double target_reduction);

  torch::Tensor smooth_parameters(double temperature) const;  // P_hat
  torch::Tensor penalty(double temperature, double lambda) const;
  // Weights after export at the current hard ranks (dense where factorising does not pay).
  int64_t exported_parameters() const;
  double total_parameters() const { return total_; }  // P_total
  double target_parameters() const { return target_; }

 private:
  std::vector<std::shared_ptr<nn::SoftRankLinear>> layers_;
  double total_ = 0, target_ = 0;
};

}  // namespace subq::compress
