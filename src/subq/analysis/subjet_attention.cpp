#include "subq/analysis/subjet_attention.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::analysis {

SubjetShare subjet_share(const torch::Tensor& weights, const std::vector<int>& subjet_of_row) {
  const int64_t n = static_cast<int64_t>(subjet_of_row.size());
  SUBQ_CHECK(weights.dim() == 2 && weights.size(0) == n && weights.size(1) == n,
             "subjet attention: weights ({}) do not match {} labelled particles",
             fmt::join(weights.sizes(), ", "), n);
  std::vector<int64_t> members;
  for (int s : subjet_of_row) {
    SUBQ_CHECK(s >= -1, "subjet attention: invalid subjet label {}", s);
    if (s < 0) continue;
    if (s >= static_cast<int>(members.size())) members.resize(s + 1, 0);
    ++members[s];
  }
  const auto w = weights.to(torch::kDouble).contiguous();
  const double* p = w.data_ptr<double>();
  SubjetShare share;
  for (int64_t i = 0; i < n; ++i) {
    if (subjet_of_row[i] < 0) {
      ++share.rows_without_subjet;
      continue;
    }
    for (int64_t j = 0; j < n; ++j)
      if (subjet_of_row[j] == subjet_of_row[i]) share.within += p[i * n + j];
    share.uniform += static_cast<double>(members[subjet_of_row[i]]) / n;
    ++share.rows;
  }
  return share;
}

void SubjetAttentionStatistics::add(const JetAttention& jet, const std::vector<int>& particle_subjet) {
  std::vector<int> labels;
  const auto slots = jet.slots.accessor<int64_t, 1>();
  for (int64_t i = 0; i < slots.size(0); ++i) {
    SUBQ_CHECK(slots[i] < static_cast<int64_t>(particle_subjet.size()),
               "subjet attention: particle slot {} has no subjet label ({} labels)", slots[i],
               particle_subjet.size());
    labels.push_back(particle_subjet[slots[i]]);
  }
  if (shares_.empty())
    for (const auto& w : jet.particle_weights) shares_.emplace_back(w.size(0));
  SUBQ_CHECK(shares_.size() == jet.particle_weights.size(),
             "subjet attention: jet has {} particle blocks, earlier jets {}",
             jet.particle_weights.size(), shares_.size());
  for (size_t l = 0; l < shares_.size(); ++l)
    for (size_t h = 0; h < shares_[l].size(); ++h) {
      const auto s = subjet_share(jet.particle_weights[l][h], labels);
      auto& total = shares_[l][h];
      total.within += s.within, total.uniform += s.uniform, total.rows += s.rows;
      total.rows_without_subjet += s.rows_without_subjet;
    }
}

double SubjetAttentionStatistics::within(size_t layer, size_t head) const {
  const auto& s = shares_.at(layer).at(head);
  return s.rows ? s.within / s.rows : 0;
}

double SubjetAttentionStatistics::uniform(size_t layer, size_t head) const {
  const auto& s = shares_.at(layer).at(head);
  return s.rows ? s.uniform / s.rows : 0;
}

nlohmann::json SubjetAttentionStatistics::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t l = 0; l < shares_.size(); ++l) {
    nlohmann::json heads = nlohmann::json::array();
    for (size_t h = 0; h < shares_[l].size(); ++h)
      heads.push_back({{"within_subjet", within(l, h)},
                       {"between_subjets", 1 - within(l, h)},
                       {"uniform_within_subjet", uniform(l, h)},
                       {"rows", shares_[l][h].rows},
                       {"rows_without_subjet", shares_[l][h].rows_without_subjet}});
    layers.push_back({{"name", fmt::format("particle.{}", l)}, {"heads", heads}});
  }
  return {{"n_subjets", n_subjets_}, {"radius", radius_}, {"layers", layers}};
}

}  // namespace subq::analysis
