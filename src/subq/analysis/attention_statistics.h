// Statistics of attention maps per layer and head, the numbers behind "binary attention"
// (Wang et al., arXiv 2412.03673): how the weights are distributed on [0, 1], how large each
// row's maximum is, how often one key takes more than half (or 80%, 90%) of a row, the row
// entropy against the uniform row's log(n), and how the attention-only term
// log(softmax) - U relates to the full attention (did the sparsity come from q k^T or from U?).
//
// Accumulates jet by jet over JetAttention (real particles only), in double precision, so any
// number of jets fits in constant memory.
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subq/analysis/jet_attention.h"

namespace subq::analysis {

// Thresholds for "binary" rows: fraction of rows whose largest weight exceeds each.
inline constexpr std::array<double, 3> kBinaryThresholds = {0.5, 0.8, 0.9};
// A weight counts as "at 0" below this and "at 1" above 1 - this.
inline constexpr double kPileUpEpsilon = 0.01;

// Streaming Pearson correlation.
class PearsonAccumulator {
 public:
  void add(double x, double y);
  int64_t count() const { return n_; }
  double value() const;  // NaN with fewer than 2 points or zero variance

 private:
  int64_t n_ = 0;
  double sx_ = 0, sy_ = 0, sxx_ = 0, syy_ = 0, sxy_ = 0;
};

// One head of one layer.
class HeadAttentionStatistics {
 public:
  explicit HeadAttentionStatistics(int bins = 50);

  // `weights` (L, S): L query rows over S keys, every entry a real pair, rows summing to 1.
  // `pair_bias` (L, S) or undefined (class attention has none). `square` says row i and key i
  // are the same particle (particle attention), so the diagonal is self-attention.
  void add(const torch::Tensor& weights, const torch::Tensor& pair_bias, bool square = false);

  int64_t rows() const { return rows_; }
  int64_t weights() const { return weights_; }
  double fraction_rows_max_above(double threshold) const;  // threshold from kBinaryThresholds
  double mean_row_max() const { return rows_ ? sum_row_max_ / rows_ : 0; }
  double mean_row_entropy() const { return rows_ ? sum_entropy_ / rows_ : 0; }
  double mean_uniform_entropy() const { return rows_ ? sum_uniform_entropy_ / rows_ : 0; }
  double fraction_weights_near_zero() const { return weights_ ? double(near_zero_) / weights_ : 0; }
  double fraction_weights_near_one() const { return weights_ ? double(near_one_) / weights_ : 0; }
  double fraction_weights_exactly_zero() const { return weights_ ? double(exact_zero_) / weights_ : 0; }
  // Mean weight a query puts on itself (square maps only, where row i and key i are the same
  // particle; NaN otherwise): separates "attends to itself" from "attends to one other".
  double mean_self_weight() const;
  const std::vector<int64_t>& weight_histogram() const { return weight_histogram_; }
  const std::vector<int64_t>& row_max_histogram() const { return row_max_histogram_; }
  // Pearson over entries with weight > 0 (log w is finite there).
  const PearsonAccumulator& attention_only_vs_log_weight() const { return only_vs_log_; }
  const PearsonAccumulator& attention_only_vs_weight() const { return only_vs_weight_; }
  const PearsonAccumulator& pair_bias_vs_log_weight() const { return bias_vs_log_; }

  nlohmann::json to_json() const;

 private:
  int bins_;
  std::vector<int64_t> weight_histogram_, row_max_histogram_;
  std::array<int64_t, kBinaryThresholds.size()> rows_above_{};
  int64_t rows_ = 0, weights_ = 0, near_zero_ = 0, near_one_ = 0, exact_zero_ = 0, self_rows_ = 0;
  double sum_self_ = 0, sum_row_max_ = 0, sum_entropy_ = 0, sum_uniform_entropy_ = 0;
  PearsonAccumulator only_vs_log_, only_vs_weight_, bias_vs_log_;
};

// Every head of every particle block and class block of a ParT.
class AttentionStatistics {
 public:
  explicit AttentionStatistics(int bins = 50) : bins_(bins) {}
  void add(const JetAttention& jet);

  int64_t jets() const { return jets_; }
  // Layers in model order: particle blocks, then class blocks.
  struct Layer {
    std::string name;  // "particle.0", "class.0"
    std::vector<HeadAttentionStatistics> heads;
  };
  const std::vector<Layer>& layers() const { return layers_; }
  nlohmann::json to_json() const;

 private:
  Layer& layer(size_t index, const std::string& name, int64_t heads);
  int bins_;
  int64_t jets_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace subq::analysis
