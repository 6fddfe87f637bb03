#include "subq/data/jet_inputs.h"

#include "subq/data/jet_features.h"
#include "subq/data/jet_graph.h"
#include "subq/util/error.h"

namespace subq::data {

PreparedJets prepare_jets(JetDataset jets, const JetInputSpec& spec) {
  PreparedJets out;
  if (spec.features == "part_kin") {
    out.features = part_particle_features(jets, PartFeatureSet::kinematic);
  } else if (spec.features == "part_full") {
    out.features = part_particle_features(jets, PartFeatureSet::full);
  } else if (spec.features == "pcn") {
    out.features = pcn_node_features(jets);
  } else {
    fail("unknown jet input features '{}' (part_kin, part_full, pcn)", spec.features);
  }
  if (spec.knn_k > 0) {
    const auto space = parse_knn_space(spec.knn_space);
    out.neighbours = knn_neighbours(space == KnnSpace::features ? out.features
                                                                : eta_phi_coordinates(jets),
                                    jets.mask, spec.knn_k);
  }
  out.jets = std::move(jets);
  return out;
}

PreparedJets subset(const PreparedJets& prepared, const torch::Tensor& indices) {
  PreparedJets out;
  out.jets = prepared.jets.subset(indices);
  out.features = prepared.features.index_select(0, indices);
  if (prepared.neighbours.defined()) out.neighbours = prepared.neighbours.index_select(0, indices);
  return out;
}

JetBatch make_batch(const PreparedJets& prepared, const torch::Tensor& indices) {
  JetBatch batch;
  auto mask = prepared.jets.mask.index_select(0, indices);
  const int64_t p = std::max<int64_t>(1, mask.sum(1).max().item<int64_t>());
  batch.mask = mask.narrow(1, 0, p).contiguous();
  batch.features = prepared.features.index_select(0, indices).narrow(2, 0, p).contiguous();
  batch.four_vectors =
      prepared.jets.four_vectors.index_select(0, indices).narrow(2, 0, p).contiguous();
  if (prepared.neighbours.defined())
    batch.neighbours = prepared.neighbours.index_select(0, indices).narrow(1, 0, p).contiguous();
  batch.labels = prepared.jets.labels.index_select(0, indices);
  return batch;
}

}  // namespace subq::data
