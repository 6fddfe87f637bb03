// Runs a trained ParT over a jet dataset with attention capture on and gathers everything
// the attention report shows: attention statistics per layer/head for all jets and per class,
// within/between-subjet attention for 2 and 3 exclusive-kT subjets, a PCA of the attention
// matrices of all jets per layer/head, and a few chosen jets'
// full maps with their eta-phi kinematics for pictures.
#pragma once
#include <string>
#include <vector>

#include <fastjet/PseudoJet.hh>
#include <nlohmann/json.hpp>

#include "subq/analysis/attention_pca.h"
#include "subq/analysis/attention_statistics.h"
#include "subq/analysis/jet_attention.h"
#include "subq/analysis/subjet_attention.h"
#include "subq/data/jet_dataset.h"
#include "subq/data/jet_fastjet.h"
#include "subq/models/part/particle_transformer.h"

namespace subq::analysis {

struct JetAttentionOptions {
  int64_t batch_size = 64;
  int64_t show = 4;                     // jets kept whole for pictures
  int bins = 50;                        // histogram bins on [0, 1]
  std::vector<int> subjet_counts = {2, 3};
  double subjet_radius = 0.8;
  int64_t pca_particles = 16;           // PCA of each jet's leading k x k attention block
  // Optional: each analysed jet's index in the file it came from (e.g. after taking a test
  // split), used to name the shown jets; empty = position in the analysed dataset.
  std::vector<int64_t> jet_ids;
  bool show_progress = true;
};

// Statistics over one set of jets (all jets, or one class).
struct AttentionGroup {
  std::string name;  // "all" or the class name
  AttentionStatistics attention;
  std::vector<SubjetAttentionStatistics> subjets;  // one per JetAttentionOptions::subjet_counts
  nlohmann::json to_json() const;
};

// A jet kept for pictures. Kinematics are per row of `attention` (its real particles).
struct ShownJet {
  int64_t index = 0;  // in the analysed dataset
  int64_t id = 0;     // in the file (JetAttentionOptions::jet_ids), for names and titles
  std::string class_name;
  JetAttention attention;
  std::vector<double> delta_eta, delta_phi, pt;  // relative to the constituent-sum axis
  std::vector<data::Subjets> subjets;            // one per subjet count
  fastjet::PseudoJet axis;
};

struct JetAttentionAnalysis {
  std::string source;
  std::vector<std::string> class_names;
  std::vector<AttentionGroup> groups;  // "all" first, then each class present
  std::vector<ShownJet> shown;
  // PCA over all jets per particle layer and head ([layer][head]); `labels` (N) colours them.
  std::vector<std::vector<AttentionPca>> pca;
  torch::Tensor labels;
  nlohmann::json model_config;
  nlohmann::json to_json() const;
};

// Up to `show` jet indices spread over the classes: the first jet of each class in turn.
std::vector<int64_t> choose_shown_jets(const torch::Tensor& labels, int64_t num_classes, int64_t show);

JetAttentionAnalysis analyse_jet_attention(models::part::ParticleTransformer& model,
                                           const data::JetDataset& jets,
                                           const JetAttentionOptions& options);

}  // namespace subq::analysis
