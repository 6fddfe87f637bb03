// Subjets: data::exclusive_kt_subjets labels particles exactly as FastJet run directly on the
// raw four-vectors does, and the within-subjet attention share on a hand example.
#include <fastjet/ClusterSequence.hh>

#include "subq/analysis/subjet_attention.h"
#include "subq/data/jet_fastjet.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::analysis {
namespace {

TEST(SubjetAttention, AssignmentAgreesWithFastJetRunDirectly) {
  SUBQ_REQUIRE_SHARED(path, "data/jets/top_2000");
  data::JetLoadOptions load;
  load.max_jets = 25;
  const auto jets = data::load_jets(path, load);
  for (int64_t jet = 0; jet < jets.size(); ++jet) {
    // Independent clustering: our own PseudoJets, matched back to slots by momentum.
    const auto v = jets.four_vectors[jet].to(torch::kDouble);
    std::vector<fastjet::PseudoJet> particles;
    std::vector<int64_t> slot_of;
    for (int64_t i = 0; i < jets.max_particles(); ++i) {
      if (!jets.mask[jet][i].item<bool>()) continue;
      particles.emplace_back(v[0][i].item<double>(), v[1][i].item<double>(), v[2][i].item<double>(),
                             v[3][i].item<double>());
      slot_of.push_back(i);
    }
    fastjet::ClusterSequence sequence(particles, fastjet::JetDefinition(fastjet::kt_algorithm, 0.8));
    for (int n : {2, 3}) {
      const auto direct = fastjet::sorted_by_pt(sequence.exclusive_jets(n));
      const auto ours = data::exclusive_kt_subjets(jets, jet, n, 0.8);
      ASSERT_EQ(ours.subjets.size(), direct.size());
      std::vector<int> expected(jets.max_particles(), -1);
      for (size_t s = 0; s < direct.size(); ++s) {
        EXPECT_NEAR(ours.subjets[s].pt(), direct[s].pt(), 1e-9 * direct[s].pt());
        for (const auto& c : sequence.constituents(direct[s])) expected[slot_of[c.cluster_hist_index()]] = s;
      }
      EXPECT_EQ(ours.particle_subjet, expected) << "jet " << jet << ", " << n << " subjets";
    }
  }
}

TEST(SubjetAttention, ShareOfAttentionInsideTheQuerysSubjet) {
  // Particles 0 and 1 form subjet 0, particle 2 subjet 1.
  const auto w = torch::tensor({0.5, 0.3, 0.2, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1}).view({3, 3});
  const auto share = subjet_share(w, {0, 0, 1});
  EXPECT_EQ(share.rows, 3);
  EXPECT_NEAR(share.within, 0.8 + 0.2 + 0.1, 1e-6);
  EXPECT_NEAR(share.uniform, 2.0 / 3 + 2.0 / 3 + 1.0 / 3, 1e-12);
  EXPECT_THROW(subjet_share(w, {0, 1}), Error);
  EXPECT_THROW(subjet_share(w, {0, -2, 1}), Error);
  // Particle 1 outside every subjet (beam-merged): its row is skipped; as a key it is "between".
  const auto outside = subjet_share(w, {0, -1, 0});
  EXPECT_EQ(outside.rows, 2);
  EXPECT_EQ(outside.rows_without_subjet, 1);
  EXPECT_NEAR(outside.within, (0.5 + 0.2) + (0.6 + 0.1), 1e-6);
  EXPECT_NEAR(outside.uniform, 2.0 / 3 + 2.0 / 3, 1e-12);

  // The accumulator maps rows through the jet's particle slots (here slots 1, 4, 5).
  JetAttention jet;
  jet.slots = torch::tensor({1, 4, 5}, torch::kInt64);
  jet.particle_weights = {w.unsqueeze(0)};
  SubjetAttentionStatistics stats(2, 0.8);
  stats.add(jet, {-1, 0, -1, -1, 0, 1});
  EXPECT_NEAR(stats.within(0, 0), 1.1 / 3, 1e-6);
  EXPECT_NEAR(stats.uniform(0, 0), 5.0 / 9, 1e-12);
  EXPECT_NEAR(stats.to_json()["layers"][0]["heads"][0]["between_subjets"].get<double>(), 1 - 1.1 / 3, 1e-6);
  EXPECT_THROW(stats.add(jet, {0, 0}), Error);  // slot 4 has no label
}

}  // namespace
}  // namespace subq::analysis
