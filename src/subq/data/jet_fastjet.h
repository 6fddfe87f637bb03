// FastJet helpers on one jet of a JetDataset: its constituents as PseudoJets (user_index =
// particle slot), the jet axis (sum of constituents, or the hardest anti-kT R = 0.8 jet after
// reclustering), and exclusive-kT subjets (2 or 3, R = 0.8) that label every particle with the
// subjet it belongs to, for attention analysis (within- vs between-subjet attention).
#pragma once
#include <vector>

#include <fastjet/PseudoJet.hh>

#include "subq/data/jet_dataset.h"

namespace subq::data {

std::vector<fastjet::PseudoJet> jet_constituents(const JetDataset& jets, int64_t jet);

enum class JetAxis { constituent_sum, antikt_r08 };
fastjet::PseudoJet jet_axis(const JetDataset& jets, int64_t jet, JetAxis axis = JetAxis::constituent_sum);

struct Subjets {
  std::vector<fastjet::PseudoJet> subjets;  // ordered by decreasing pT
  std::vector<int> particle_subjet;         // per particle slot (P entries): subjet index, -1 = padding
};

// Reclusters the jet's constituents with the kT algorithm (R = `radius`) and undoes the
// clustering down to exactly `n_subjets` exclusive subjets (fewer when the jet has fewer
// particles).
Subjets exclusive_kt_subjets(const JetDataset& jets, int64_t jet, int n_subjets, double radius = 0.8);

}  // namespace subq::data
