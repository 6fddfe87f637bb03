#include "subq/analysis/jet_attention_analysis.h"

#include <algorithm>
#include <iostream>
#include <optional>

#include <fastjet/ClusterSequence.hh>

#include "subq/data/jet_inputs.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::analysis {

nlohmann::json AttentionGroup::to_json() const {
  nlohmann::json subjet_json = nlohmann::json::array();
  for (const auto& s : subjets) subjet_json.push_back(s.to_json());
  return {{"name", name}, {"attention", attention.to_json()}, {"subjets", subjet_json}};
}

nlohmann::json JetAttentionAnalysis::to_json() const {
  nlohmann::json out = {{"source", source}, {"class_names", class_names}, {"model", model_config}};
  for (const auto& g : groups) out["groups"].push_back(g.to_json());
  for (size_t l = 0; l < pca.size(); ++l)
    for (size_t h = 0; h < pca[l].size(); ++h)
      out["pca"].push_back({{"layer", fmt::format("particle.{}", l)}, {"head", h},
                            {"explained_variance_ratio", pca[l][h].explained_variance_ratio}});
  for (const auto& s : shown)
    out["shown_jets"].push_back({{"index", s.index}, {"file_index", s.id}, {"class", s.class_name},
                                 {"particles", s.attention.particles()}});
  return out;
}

std::vector<int64_t> choose_shown_jets(const torch::Tensor& labels, int64_t num_classes, int64_t show) {
  const auto l = labels.to(torch::kInt64).contiguous();
  const int64_t* p = l.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> by_class(std::max<int64_t>(num_classes, 1));
  for (int64_t i = 0; i < l.numel(); ++i)
    if (p[i] >= 0 && p[i] < num_classes) by_class[p[i]].push_back(i);
  std::vector<int64_t> chosen;
  for (size_t round = 0; static_cast<int64_t>(chosen.size()) < show; ++round) {
    bool any = false;
    for (const auto& members : by_class) {
      if (round >= members.size() || static_cast<int64_t>(chosen.size()) >= show) continue;
      chosen.push_back(members[round]);
      any = true;
    }
    if (!any) break;
  }
  return chosen;
}

namespace {

// Eta-phi position and pT of each real particle relative to the jet's constituent sum,
// in the row order of `jet.attention` (ascending particle slot).
void fill_kinematics(const data::JetDataset& jets, ShownJet& jet) {
  jet.axis = data::jet_axis(jets, jet.index);
  const auto constituents = data::jet_constituents(jets, jet.index);
  const auto slots = jet.attention.slots.accessor<int64_t, 1>();
  for (int64_t row = 0; row < slots.size(0); ++row) {
    const auto found = std::find_if(constituents.begin(), constituents.end(),
                                    [&](const fastjet::PseudoJet& p) { return p.user_index() == slots[row]; });
    SUBQ_CHECK(found != constituents.end(), "{}: jet {} has no particle in slot {}", jets.source,
               jet.index, slots[row]);
    jet.delta_eta.push_back(found->eta() - jet.axis.eta());
    jet.delta_phi.push_back(jet.axis.delta_phi_to(*found));
    jet.pt.push_back(found->pt());
  }
}

std::vector<AttentionGroup> make_groups(const std::vector<std::string>& class_names,
                                        const JetAttentionOptions& options) {
  std::vector<std::string> names = {"all"};
  names.insert(names.end(), class_names.begin(), class_names.end());
  std::vector<AttentionGroup> groups;
  for (const auto& name : names) {
    AttentionGroup g{name, AttentionStatistics(options.bins), {}};
    for (int n : options.subjet_counts) g.subjets.emplace_back(n, options.subjet_radius);
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace

JetAttentionAnalysis analyse_jet_attention(models::part::ParticleTransformer& model,
                                           const data::JetDataset& jets,
                                           const JetAttentionOptions& options) {
  SUBQ_CHECK(jets.size() > 0, "{}: no jets to analyse", jets.source);
  SUBQ_CHECK(options.batch_size > 0, "attention analysis: batch size must be positive");
  SUBQ_CHECK(jets.num_classes() == model.config().num_classes,
             "{}: data has {} classes but the model was trained on {}", jets.source,
             jets.num_classes(), model.config().num_classes);
  SUBQ_CHECK(options.jet_ids.empty() || static_cast<int64_t>(options.jet_ids.size()) == jets.size(),
             "attention analysis: {} jet ids for {} jets", options.jet_ids.size(), jets.size());
  JetAttentionAnalysis analysis;
  analysis.source = jets.source;
  analysis.class_names = jets.class_names;
  analysis.model_config = model.config_json();
  analysis.groups = make_groups(jets.class_names, options);
  const auto shown = choose_shown_jets(jets.labels, jets.num_classes(), options.show);

  // FastJet prints its banner on first use; on stdout it would corrupt --json output.
  fastjet::ClusterSequence::set_fastjet_banner_stream(&std::cerr);
  model.eval();
  torch::NoGradGuard no_grad;
  const auto prepared = data::prepare_jets(jets, model.input_spec());
  std::vector<torch::Tensor> leading;
  std::optional<Progress> progress;
  if (options.show_progress) progress.emplace("attention", jets.size(), "jets");
  for (int64_t begin = 0; begin < jets.size(); begin += options.batch_size) {
    const int64_t count = std::min(options.batch_size, jets.size() - begin);
    const auto indices = torch::arange(begin, begin + count, torch::kInt64);
    const auto batch = data::make_batch(prepared, indices);
    models::part::AttentionCapture capture;
    model.forward(batch, &capture);
    auto per_jet = split_capture(capture, batch.labels);
    for (int64_t b = 0; b < count; ++b) {
      const int64_t index = begin + b;
      auto& jet = per_jet[b];
      std::vector<torch::Tensor> blocks;
      for (const auto& w : jet.particle_weights) blocks.push_back(leading_block(w, options.pca_particles));
      leading.push_back(torch::stack(blocks));  // (layers, H, k, k)
      std::vector<data::Subjets> subjets;
      for (int n : options.subjet_counts)
        subjets.push_back(data::exclusive_kt_subjets(jets, index, n, options.subjet_radius));
      for (auto* group : {&analysis.groups[0], &analysis.groups[1 + jet.label]}) {
        group->attention.add(jet);
        for (size_t s = 0; s < subjets.size(); ++s) group->subjets[s].add(jet, subjets[s].particle_subjet);
      }
      if (std::find(shown.begin(), shown.end(), index) != shown.end()) {
        ShownJet kept;
        kept.index = index;
        kept.id = options.jet_ids.empty() ? index : options.jet_ids[index];
        kept.class_name = jets.class_names[jet.label];
        kept.attention = std::move(jet);
        kept.subjets = std::move(subjets);
        fill_kinematics(jets, kept);
        analysis.shown.push_back(std::move(kept));
      }
    }
    if (progress) progress->advance(count);
  }
  if (progress) progress->finish();
  analysis.labels = jets.labels;
  if (jets.size() >= 2) {
    const auto all = torch::stack(leading);  // (N, layers, H, k, k)
    for (int64_t l = 0; l < all.size(1); ++l) {
      analysis.pca.emplace_back();
      for (int64_t h = 0; h < all.size(2); ++h)
        analysis.pca.back().push_back(principal_components(all.select(1, l).select(1, h)));
    }
  }
  return analysis;
}

}  // namespace subq::analysis
