#include "subq/data/jet_fastjet.h"

#include <fastjet/ClusterSequence.hh>

#include "subq/util/error.h"

namespace subq::data {

std::vector<fastjet::PseudoJet> jet_constituents(const JetDataset& jets, int64_t jet) {
  SUBQ_CHECK(jet >= 0 && jet < jets.size(), "{}: no jet {} ({} jets)", jets.source, jet, jets.size());
  const auto v = jets.four_vectors[jet];
  const auto m = jets.mask[jet];
  std::vector<fastjet::PseudoJet> out;
  for (int64_t i = 0; i < jets.max_particles(); ++i) {
    if (!m[i].item<bool>()) continue;
    fastjet::PseudoJet p(v[0][i].item<double>(), v[1][i].item<double>(), v[2][i].item<double>(),
                         v[3][i].item<double>());
    p.set_user_index(static_cast<int>(i));
    out.push_back(p);
  }
  return out;
}

fastjet::PseudoJet jet_axis(const JetDataset& jets, int64_t jet, JetAxis axis) {
  const auto particles = jet_constituents(jets, jet);
  if (axis == JetAxis::constituent_sum) return fastjet::join(particles);
  fastjet::ClusterSequence sequence(particles, fastjet::JetDefinition(fastjet::antikt_algorithm, 0.8));
  const auto found = fastjet::sorted_by_pt(sequence.inclusive_jets());
  SUBQ_CHECK(!found.empty(), "{}: jet {} gives no anti-kT jet", jets.source, jet);
  return fastjet::PseudoJet(found[0].px(), found[0].py(), found[0].pz(), found[0].E());
}

Subjets exclusive_kt_subjets(const JetDataset& jets, int64_t jet, int n_subjets, double radius) {
  SUBQ_CHECK(n_subjets >= 1, "exclusive subjets: need n >= 1, got {}", n_subjets);
  const auto particles = jet_constituents(jets, jet);
  fastjet::ClusterSequence sequence(particles, fastjet::JetDefinition(fastjet::kt_algorithm, radius));
  const int n = std::min<int>(n_subjets, static_cast<int>(particles.size()));
  Subjets out;
  out.subjets = fastjet::sorted_by_pt(sequence.exclusive_jets(n));
  out.particle_subjet.assign(jets.max_particles(), -1);
  for (size_t s = 0; s < out.subjets.size(); ++s)
    for (const auto& c : out.subjets[s].constituents()) out.particle_subjet[c.user_index()] = static_cast<int>(s);
  return out;
}

}  // namespace subq::data
