// Within- versus between-subjet attention: with every particle labelled by its exclusive-kT
// subjet (data/jet_fastjet.h, 2 or 3 subjets, R = 0.8), the share of each attention row that
// goes to particles of the query's own subjet, averaged over rows, per layer and head, next to
// what uniform attention over the jet would give (the share of the jet's particles in the
// query's subjet). A head above its uniform share looks inside subjets; below, across them.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/analysis/jet_attention.h"

namespace subq::analysis {

// Share of attention inside the query's subjet for one (L = n, S = n) map of n particles,
// summed over rows. `subjet_of_row[i]` labels row/key i; -1 = in no subjet. With a finite R,
// FastJet's exclusive kT jets can leave out particles that were merged with the beam before
// the n-jet stage (wide jets): their rows are skipped and, as keys, they count as "between".
struct SubjetShare {
  double within = 0;   // sum over rows of the attention to the query's subjet
  double uniform = 0;  // sum over rows of |subjet(query)| / n
  int64_t rows = 0;
  int64_t rows_without_subjet = 0;
};
SubjetShare subjet_share(const torch::Tensor& weights, const std::vector<int>& subjet_of_row);

class SubjetAttentionStatistics {
 public:
  SubjetAttentionStatistics(int n_subjets, double radius) : n_subjets_(n_subjets), radius_(radius) {}
  // `particle_subjet` is indexed by particle slot (data::Subjets::particle_subjet); the jet's
  // rows are mapped through jet.slots. Particle blocks only.
  void add(const JetAttention& jet, const std::vector<int>& particle_subjet);

  int n_subjets() const { return n_subjets_; }
  // [layer][head] mean within-subjet share and its uniform reference.
  double within(size_t layer, size_t head) const;
  double uniform(size_t layer, size_t head) const;
  size_t layers() const { return shares_.size(); }
  size_t heads() const { return shares_.empty() ? 0 : shares_[0].size(); }
  nlohmann::json to_json() const;

 private:
  int n_subjets_;
  double radius_;
  std::vector<std::vector<SubjetShare>> shares_;
};

}  // namespace subq::analysis
