#include "subq/transforms/compress/budget.h"

#include <cmath>

#include "subq/nn/factorized_linear.h"
#include "subq/util/error.h"

namespace subq::compress {

double geometric_schedule(double start, double end, int64_t step, int64_t steps) {
  if (steps <= 1) return end;
  const double f = std::min(1.0, static_cast<double>(step) / static_cast<double>(steps - 1));
  return start * std::pow(end / start, f);
}

double Annealing::temperature(int64_t step, int64_t steps) const {
  return geometric_schedule(temperature_start, temperature_end, step, steps);
}

double Annealing::lambda(int64_t step, int64_t steps) const {
  return geometric_schedule(lambda_start, lambda_end, step, steps);
}

BudgetPenalty::BudgetPenalty(std::vector<std::shared_ptr<nn::SoftRankLinear>> layers,
                             double target_reduction)
    : layers_(std::move(layers)) {
  SUBQ_CHECK(target_reduction > 0.0 && target_reduction < 1.0,
             "compression target must be a reduction in (0, 1), got {}", target_reduction);
  SUBQ_CHECK(!layers_.empty(), "budget penalty: no layers to compress");
  for (const auto& l : layers_)
    total_ += static_cast<double>(l->in_features) * static_cast<double>(l->out_features);
  target_ = (1.0 - target_reduction) * total_;
}

torch::Tensor BudgetPenalty::smooth_parameters(double temperature) const {
  auto sum = layers_.front()->smooth_parameters(temperature);
  for (size_t i = 1; i < layers_.size(); ++i) sum = sum + layers_[i]->smooth_parameters(temperature);
  return sum;
}

torch::Tensor BudgetPenalty::penalty(double temperature, double lambda) const {
  return lambda * torch::relu(smooth_parameters(temperature) - target_) / total_;
}

int64_t BudgetPenalty::exported_parameters() const {
  int64_t n = 0;
  for (const auto& l : layers_) {
    const int64_t r = l->rank();
    n += r < nn::break_even_rank(l->in_features, l->out_features)
             ? r * (l->in_features + l->out_features)
             : l->in_features * l->out_features;
  }
  return n;
}

}  // namespace subq::compress
