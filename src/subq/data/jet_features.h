// Inputs the jet taggers compute from four-vectors, in C++:
//  - ParT per-particle features: the 7 kinematic ones (log pT, log E, log pT/pT_jet,
//    log E/E_jet, delta R, delta eta, delta phi) standardised (x - a) * b and clipped to
//    [-5, 5] as in weaver's top/JetClass configs, or the 17 "full" ones when the dataset has
//    charge / particle ID / impact parameters;
//  - ParT pair features (ln kT, ln z, ln delta, ln m^2), packed over the lower triangle with
//    diagonal because they are symmetric (weaver computes them the same way);
//  - jet-level observables (jet four-momentum, mass) for the mass baseline.
// The jet axis is the sum of the constituents (weaver's top-tagging conversion); delta eta
// uses pseudorapidity, delta phi is wrapped into [-pi, pi).
#pragma once
#include <string>

#include <torch/torch.h>

#include "subq/data/jet_dataset.h"

namespace subq::data {

enum class PartFeatureSet { kinematic, full };
PartFeatureSet parse_part_feature_set(const std::string& name);  // "kin" | "full"
std::string to_string(PartFeatureSet set);
int64_t part_feature_count(PartFeatureSet set);  // 7 or 17

// (N, C, P) float32, zero at padded slots. "full" needs dataset.extras.
torch::Tensor part_particle_features(const JetDataset& jets, PartFeatureSet set);

// Sum of constituents, (N, 4) float64 (px, py, pz, E).
torch::Tensor jet_four_momenta(const JetDataset& jets);
// Invariant mass of the constituent sum, (N) float64 (0 where m^2 < 0 by rounding).
torch::Tensor jet_masses(const JetDataset& jets);

// Number of pairs (i >= j) for P particles: P (P + 1) / 2.
inline int64_t packed_pair_count(int64_t particles) { return particles * (particles + 1) / 2; }
constexpr double kPi = 3.14159265358979323846;
// An azimuth difference folded into [-pi, pi).
double wrap_phi(double dphi);

// (P * P) int64 index mapping a dense (i, j) position to its packed pair (symmetric). The
// pair features themselves are a kernel: kernels/pair_features.h.
torch::Tensor packed_pair_index(int64_t particles);

}  // namespace subq::data
