#include "subq/transforms/compress/soft_rank.h"

#include <cmath>

#include "subq/nn/factorized_linear.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::compress {
namespace {

std::vector<std::shared_ptr<nn::SoftRankLinear>> modules_of(const std::vector<SoftRankLayer>& layers) {
  std::vector<std::shared_ptr<nn::SoftRankLinear>> out;
  for (const auto& l : layers) out.push_back(l.layer);
  return out;
}

}  // namespace

std::vector<SoftRankLayer> convert_to_soft_rank(const LinearSlots& slots,
                                                const std::string& patterns,
                                                double initial_threshold,
                                                const InputStatisticsMap* whitening) {
  std::vector<SoftRankLayer> out;
  torch::NoGradGuard no_grad;
  for (const auto& ref : chosen_linears(slots, patterns)) {
    const auto& original = **ref.slot;
    std::shared_ptr<nn::SoftRankLinear> layer;
    if (whitening) {
      auto it = whitening->find(ref.path);
      SUBQ_CHECK(it != whitening->end(), "no calibration statistics for layer '{}'", ref.path);
      auto [u, s, v] = whitened_svd(original.effective_weight(), it->second);
      layer = std::make_shared<nn::SoftRankLinear>(u, s, v, original.effective_bias(),
                                                   initial_threshold);
    } else {
      layer = nn::SoftRankLinear::from_layer(original, initial_threshold);
    }
    nn::replace_linear(ref, layer);
    out.push_back({ref, layer});
  }
  return out;
}

std::vector<SoftRankStep> train_soft_rank(const std::vector<SoftRankLayer>& layers,
                                          const TaskLoss& task_loss,
                                          const SoftRankTraining& options) {
  SUBQ_CHECK(options.steps >= 0, "soft-rank training: steps must be >= 0");
  BudgetPenalty budget(modules_of(layers), options.target_reduction);
  std::vector<torch::Tensor> factors, thresholds;
  for (const auto& l : layers) {
    for (const auto& p : l.layer->named_parameters(false))
      (p.key() == "t" ? thresholds : factors).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(factors, std::make_unique<torch::optim::AdamOptions>(options.lr_factors));
  groups.emplace_back(thresholds,
                      std::make_unique<torch::optim::AdamOptions>(options.lr_threshold));
  torch::optim::Adam optimizer(std::move(groups));

  std::vector<SoftRankStep> history;
  Progress progress("soft-rank", options.steps, "step");
  for (int64_t step = 0; step < options.steps; ++step) {
    const double T = options.annealing.temperature(step, options.steps);
    const double lambda = options.annealing.lambda(step, options.steps);
    optimizer.zero_grad();
    auto loss = task_loss(step);
    SUBQ_CHECK(torch::isfinite(loss).item<bool>(), "soft-rank training: task loss is {} at step {}",
               loss.item<double>(), step);
    auto penalty = budget.penalty(T, lambda);
    (loss + penalty).backward();
    optimizer.step();
    SoftRankStep record{loss.item<double>(), penalty.item<double>(),
                        budget.smooth_parameters(T).item<double>(), T, lambda,
                        budget.exported_parameters()};
    history.push_back(record);
    progress.advance(1, fmt::format("loss {:.3f} pen {:.3f} kept {:.1f}% (target {:.1f}%)",
                                    record.task_loss, record.penalty,
                                    100.0 * record.exported_parameters / budget.total_parameters(),
                                    100.0 * budget.target_parameters() / budget.total_parameters()));
  }
  progress.finish();
  return history;
}

double enforce_budget(const std::vector<SoftRankLayer>& layers, double target_reduction) {
  BudgetPenalty budget(modules_of(layers), target_reduction);
  if (budget.exported_parameters() <= budget.target_parameters()) return 0.0;
  torch::NoGradGuard no_grad;
  std::vector<double> base;
  for (const auto& l : layers) base.push_back(l.layer->t.item<double>());
  auto shift_all = [&](double shift) {
    for (size_t i = 0; i < layers.size(); ++i) layers[i].layer->t.fill_(base[i] + shift);
  };
  // Layers still at t = -inf (untouched threshold) start from a tiny fraction instead.
  for (auto& b : base) b = std::max(b, std::log(1e-4));
  double lo = 0.0, hi = 1.0;
  shift_all(hi);
  while (budget.exported_parameters() > budget.target_parameters() && hi < 64.0) {
    lo = hi;
    hi *= 2.0;
    shift_all(hi);
  }
  for (int it = 0; it < 40; ++it) {
    const double mid = 0.5 * (lo + hi);
    shift_all(mid);
    (budget.exported_parameters() > budget.target_parameters() ? lo : hi) = mid;
  }
  // Bisection leaves hi with tau within rounding of some singular value; a small extra
  // shift keeps that value clearly below the threshold, so later recomputation of tau (or
  // compensate_shrinkage) cannot flip it back and break the budget.
  hi += 1e-3;
  shift_all(hi);
  return hi;
}

void start_at_budget(const std::vector<SoftRankLayer>& layers, double target_reduction) {
  enforce_budget(layers, target_reduction);
  for (const auto& l : layers) l.layer->compensate_shrinkage();
}

std::vector<CompressedLayer> export_soft_rank(const std::vector<SoftRankLayer>& layers,
                                              const std::vector<int64_t>& original_parameters) {
  SUBQ_CHECK(original_parameters.size() == layers.size(),
             "export: {} layers but {} original sizes", layers.size(), original_parameters.size());
  torch::NoGradGuard no_grad;
  std::vector<CompressedLayer> report;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& soft = *layers[i].layer;
    auto kept = soft.kept_singular_values();
    auto keep = torch::nonzero(kept > 0).flatten();
    if (keep.numel() == 0) keep = kept.argmax().reshape({1});  // rank never below 1
    auto replacement = nn::make_low_rank_linear_from_svd(
        soft.U.index_select(1, keep), kept.index_select(0, keep), soft.V.index_select(1, keep),
        soft.effective_bias());
    CompressedLayer info;
    info.path = layers[i].ref.path;
    info.in_features = soft.in_features;
    info.out_features = soft.out_features;
    info.rank = keep.numel();
    info.factorized = std::dynamic_pointer_cast<nn::FactorizedLinear>(replacement) != nullptr;
    info.parameters_before = original_parameters[i];
    info.bias = soft.bias.defined();
    info.changed = true;
    info.parameters_after = replacement->stored_parameters();
    nn::replace_linear(layers[i].ref, replacement);
    report.push_back(info);
  }
  return report;
}

}  // namespace subq::compress
