// Random but physical jets for model tests: positive energies above |p| on the real slots of
// `mask` (zero elsewhere), labels alternating 0, 1, ...
#pragma once
#include "subq/data/jet_dataset.h"
#include "subq/data/jet_inputs.h"

namespace subq::test {

inline data::JetDataset random_jet_dataset(const torch::Tensor& mask) {
  const int64_t jets = mask.size(0), particles = mask.size(1);
  auto p3 = torch::randn({jets, 3, particles}) * 20;
  auto four = torch::cat({p3, p3.norm(2, 1, true) + 1}, 1) * mask.unsqueeze(1);
  return data::make_jet_dataset(four, mask, torch::arange(jets, torch::kInt64) % 2, data::default_class_names(2),
                                "random", particles);
}

// The first `real` of `particles` slots filled in every jet, prepared with ParT's default
// (kinematic) inputs.
inline data::PreparedJets random_prepared_jets(int64_t jets, int64_t particles, int64_t real) {
  auto mask = torch::zeros({jets, particles}, torch::kBool);
  mask.narrow(1, 0, real).fill_(true);
  return data::prepare_jets(random_jet_dataset(mask), data::JetInputSpec{});
}

}  // namespace subq::test
