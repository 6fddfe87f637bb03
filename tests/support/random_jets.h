// Random but physical jets for model tests: positive energies above |p|, the first `real`
// of `particles` slots filled, prepared with ParT's default (kinematic) inputs.
#pragma once
#include "subq/data/jet_dataset.h"
#include "subq/data/jet_inputs.h"

namespace subq::test {

inline data::PreparedJets random_prepared_jets(int64_t jets, int64_t particles, int64_t real) {
  auto p3 = torch::randn({jets, 3, particles}) * 20;
  auto e = p3.norm(2, 1, true) + 1;
  auto four = torch::cat({p3, e}, 1);
  auto mask = torch::zeros({jets, particles}, torch::kBool);
  mask.narrow(1, 0, real).fill_(true);
  four = four * mask.unsqueeze(1);
  auto dataset = data::make_jet_dataset(four, mask, torch::arange(jets, torch::kInt64) % 2,
                                        data::default_class_names(2), "random", particles);
  return data::prepare_jets(dataset, data::JetInputSpec{});
}

}  // namespace subq::test
