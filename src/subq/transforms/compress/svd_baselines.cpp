#include "subq/transforms/compress/svd_baselines.h"

#include "subq/nn/factorized_linear.h"
#include "subq/nn/soft_rank_linear.h"
#include "subq/util/error.h"

namespace subq::compress {
namespace {

int64_t exported_weights(const LayerShape& l, int64_t rank) {
  return rank < nn::break_even_rank(l.in_features, l.out_features)
             ? rank * (l.in_features + l.out_features)
             : l.in_features * l.out_features;
}

}  // namespace

int64_t uniform_rank_for_budget(const std::vector<LayerShape>& shapes, double target_reduction) {
  SUBQ_CHECK(target_reduction > 0.0 && target_reduction < 1.0,
             "compression target must be a reduction in (0, 1), got {}", target_reduction);
  double total = 0;
  int64_t max_rank = 1;
  for (const auto& l : shapes) {
    total += static_cast<double>(l.in_features) * l.out_features;
    max_rank = std::max(max_rank, std::min(l.in_features, l.out_features));
  }
  const double budget = (1.0 - target_reduction) * total;
  int64_t best = 1;
  for (int64_t r = 1; r <= max_rank; ++r) {
    double cost = 0;
    for (const auto& l : shapes) cost += exported_weights(l, r);
    if (cost <= budget) best = r;
  }
  return best;
}

std::vector<CompressedLayer> truncate_uniform(const LinearSlots& slots, const std::string& patterns,
                                              double target_reduction,
                                              const InputStatisticsMap* whitening) {
  auto refs = chosen_linears(slots, patterns);
  std::vector<LayerShape> shapes;
  for (const auto& ref : refs) shapes.push_back({(*ref.slot)->in_features, (*ref.slot)->out_features});
  const int64_t rank = uniform_rank_for_budget(shapes, target_reduction);
  torch::NoGradGuard no_grad;
  std::vector<CompressedLayer> report;
  for (const auto& ref : refs) {
    auto original = *ref.slot;
    CompressedLayer info;
    info.path = ref.path;
    info.in_features = original->in_features;
    info.out_features = original->out_features;
    info.parameters_before = original->stored_parameters();
    info.bias = original->effective_bias().has_value();
    if (rank >= nn::break_even_rank(info.in_features, info.out_features)) {
      info.rank = std::min(info.in_features, info.out_features);
      info.parameters_after = info.parameters_before;
      report.push_back(info);
      continue;
    }
    torch::Tensor u, s, v;
    if (whitening) {
      auto it = whitening->find(ref.path);
      SUBQ_CHECK(it != whitening->end(), "no calibration statistics for layer '{}'", ref.path);
      std::tie(u, s, v) = whitened_svd(original->effective_weight(), it->second);
    } else {
      std::tie(u, s, v) = nn::thin_svd(original->effective_weight());
    }
    auto replacement = nn::make_low_rank_linear_from_svd(
        u.narrow(1, 0, rank), s.narrow(0, 0, rank), v.narrow(1, 0, rank),
        original->effective_bias());
    info.rank = rank;
    info.factorized = true;
    info.changed = true;
    info.parameters_after = replacement->stored_parameters();
    nn::replace_linear(ref, replacement);
    report.push_back(info);
  }
  return report;
}

}  // namespace subq::compress
