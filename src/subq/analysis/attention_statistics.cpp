#include "subq/analysis/attention_statistics.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "subq/util/error.h"

namespace subq::analysis {

void PearsonAccumulator::add(double x, double y) {
  ++n_;
  sx_ += x, sy_ += y, sxx_ += x * x, syy_ += y * y, sxy_ += x * y;
}

double PearsonAccumulator::value() const {
  if (n_ < 2) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(n_);
  const double cov = sxy_ - sx_ * sy_ / n, vx = sxx_ - sx_ * sx_ / n, vy = syy_ - sy_ * sy_ / n;
  if (vx <= 0 || vy <= 0) return std::numeric_limits<double>::quiet_NaN();
  return cov / std::sqrt(vx * vy);
}

namespace {

int bin_of(double value, int bins) {
  return std::clamp(static_cast<int>(std::floor(value * bins)), 0, bins - 1);
}

// JSON has no NaN: undefined correlations become null.
nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

HeadAttentionStatistics::HeadAttentionStatistics(int bins)
    : bins_(bins), weight_histogram_(bins, 0), row_max_histogram_(bins, 0) {
  SUBQ_CHECK(bins >= 1, "attention statistics: need at least one histogram bin, got {}", bins);
}

void HeadAttentionStatistics::add(const torch::Tensor& weights, const torch::Tensor& pair_bias, bool square) {
  SUBQ_CHECK(weights.dim() == 2, "attention statistics: weights must be (L, S), got ({})",
             fmt::join(weights.sizes(), ", "));
  SUBQ_CHECK(!pair_bias.defined() || pair_bias.sizes() == weights.sizes(),
             "attention statistics: pair bias ({}) does not match weights ({})",
             fmt::join(pair_bias.sizes(), ", "), fmt::join(weights.sizes(), ", "));
  SUBQ_CHECK(!square || weights.size(0) == weights.size(1), "attention statistics: a square map cannot be ({})",
             fmt::join(weights.sizes(), ", "));
  const auto w = weights.to(torch::kDouble).contiguous();
  const auto u = pair_bias.defined() ? pair_bias.to(torch::kDouble).contiguous() : torch::Tensor();
  const double* wp = w.data_ptr<double>();
  const double* up = u.defined() ? u.data_ptr<double>() : nullptr;
  const int64_t rows = w.size(0), keys = w.size(1);
  for (int64_t i = 0; i < rows; ++i) {
    double row_max = 0, entropy = 0;
    for (int64_t j = 0; j < keys; ++j) {
      const double x = wp[i * keys + j];
      row_max = std::max(row_max, x);
      ++weight_histogram_[bin_of(x, bins_)];
      near_zero_ += x < kPileUpEpsilon;
      near_one_ += x > 1 - kPileUpEpsilon;
      if (x <= 0) {
        ++exact_zero_;
        continue;  // 0 log 0 = 0; log 0 has no place in a correlation
      }
      const double log_w = std::log(x);
      entropy -= x * log_w;
      if (up) {
        const double bias = up[i * keys + j];
        only_vs_log_.add(log_w - bias, log_w);
        only_vs_weight_.add(log_w - bias, x);
        bias_vs_log_.add(bias, log_w);
      }
    }
    weights_ += keys;
    ++rows_;
    if (square) sum_self_ += wp[i * keys + i], ++self_rows_;
    sum_row_max_ += row_max;
    sum_entropy_ += entropy;
    sum_uniform_entropy_ += std::log(static_cast<double>(keys));
    ++row_max_histogram_[bin_of(row_max, bins_)];
    for (size_t t = 0; t < kBinaryThresholds.size(); ++t) rows_above_[t] += row_max > kBinaryThresholds[t];
  }
}

double HeadAttentionStatistics::fraction_rows_max_above(double threshold) const {
  const auto it = std::find(kBinaryThresholds.begin(), kBinaryThresholds.end(), threshold);
  SUBQ_CHECK(it != kBinaryThresholds.end(), "attention statistics: {} is not a recorded threshold", threshold);
  return rows_ ? double(rows_above_[it - kBinaryThresholds.begin()]) / rows_ : 0;
}

double HeadAttentionStatistics::mean_self_weight() const {
  return self_rows_ ? sum_self_ / self_rows_ : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json HeadAttentionStatistics::to_json() const {
  nlohmann::json above;
  for (double t : kBinaryThresholds) above[fmt::format("{:g}", t)] = fraction_rows_max_above(t);
  return {{"rows", rows_},
          {"weights", weights_},
          {"fraction_rows_max_above", above},
          {"mean_row_max", mean_row_max()},
          {"mean_row_entropy", mean_row_entropy()},
          {"mean_uniform_row_entropy", mean_uniform_entropy()},
          {"fraction_weights_below_0.01", fraction_weights_near_zero()},
          {"fraction_weights_above_0.99", fraction_weights_near_one()},
          {"fraction_weights_exactly_0", fraction_weights_exactly_zero()},
          {"mean_self_weight", number_or_null(mean_self_weight())},
          {"weight_histogram", weight_histogram_},
          {"row_max_histogram", row_max_histogram_},
          {"histogram_range", {0.0, 1.0}},
          {"pearson_attention_only_vs_log_weight", number_or_null(only_vs_log_.value())},
          {"pearson_attention_only_vs_weight", number_or_null(only_vs_weight_.value())},
          {"pearson_pair_bias_vs_log_weight", number_or_null(bias_vs_log_.value())}};
}

AttentionStatistics::Layer& AttentionStatistics::layer(size_t index, const std::string& name,
                                                       int64_t heads) {
  if (index == layers_.size()) layers_.push_back({name, std::vector<HeadAttentionStatistics>(heads, HeadAttentionStatistics(bins_))});
  auto& found = layers_[index];
  SUBQ_CHECK(found.name == name && static_cast<int64_t>(found.heads.size()) == heads,
             "attention statistics: jet has layer {} with {} heads where earlier jets had {} with {}",
             name, heads, found.name, found.heads.size());
  return found;
}

void AttentionStatistics::add(const JetAttention& jet) {
  size_t index = 0;
  for (size_t l = 0; l < jet.particle_weights.size(); ++l, ++index) {
    const auto& w = jet.particle_weights[l];
    auto& target = layer(index, fmt::format("particle.{}", l), w.size(0));
    for (int64_t h = 0; h < w.size(0); ++h)
      target.heads[h].add(w[h], jet.pair_bias.defined() ? jet.pair_bias[h] : torch::Tensor(), true);
  }
  for (size_t l = 0; l < jet.class_weights.size(); ++l, ++index) {
    const auto& w = jet.class_weights[l];
    auto& target = layer(index, fmt::format("class.{}", l), w.size(0));
    for (int64_t h = 0; h < w.size(0); ++h) target.heads[h].add(w[h], torch::Tensor());
  }
  ++jets_;
}

nlohmann::json AttentionStatistics::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : layers_) {
    nlohmann::json heads = nlohmann::json::array();
    for (const auto& h : l.heads) heads.push_back(h.to_json());
    layers.push_back({{"name", l.name}, {"heads", heads}});
  }
  return {{"jets", jets_}, {"layers", layers}};
}

}  // namespace subq::analysis
