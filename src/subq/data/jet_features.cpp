#include "subq/data/jet_features.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "subq/util/error.h"

namespace subq::data {

PartFeatureSet parse_part_feature_set(const std::string& name) {
  if (name == "kin" || name == "kinematic") return PartFeatureSet::kinematic;
  if (name == "full") return PartFeatureSet::full;
  fail("unknown ParT feature set '{}' (use kin or full)", name);
}

std::string to_string(PartFeatureSet set) {
  return set == PartFeatureSet::kinematic ? "kin" : "full";
}

int64_t part_feature_count(PartFeatureSet set) {
  return set == PartFeatureSet::kinematic ? 7 : 17;
}

namespace {


double pseudorapidity(double px, double py, double pz) {
  const double pt = std::hypot(px, py);
  if (pt == 0) return pz >= 0 ? 1e5 : -1e5;  // along the beam; never happens for real hadrons
  return std::asinh(pz / pt);
}

// weaver's (x - subtract) * multiply, clipped to [-5, 5].
float standardise(double x, double subtract, double multiply) {
  return static_cast<float>(std::clamp((x - subtract) * multiply, -5.0, 5.0));
}

}  // namespace

torch::Tensor jet_four_momenta(const JetDataset& jets) {
  return (jets.four_vectors.to(torch::kFloat64) * jets.mask.unsqueeze(1)).sum(2);
}

torch::Tensor jet_masses(const JetDataset& jets) {
  const auto p = jet_four_momenta(jets);
  const auto m2 = p.select(1, 3).square() - p.narrow(1, 0, 3).square().sum(1);
  return m2.clamp_min(0).sqrt();
}

torch::Tensor part_particle_features(const JetDataset& jets, PartFeatureSet set) {
  SUBQ_CHECK(set == PartFeatureSet::kinematic || jets.extras.has_value(),
             "{}: the 'full' ParT features need charge, particle-ID and impact-parameter arrays, "
             "which this dataset does not have (use --features kin)",
             jets.source);
  const int64_t n = jets.size(), p = jets.max_particles(), c = part_feature_count(set);
  auto out = torch::zeros({n, c, p}, torch::kFloat32);
  const auto v = jets.four_vectors.accessor<float, 3>();
  const auto m = jets.mask.accessor<bool, 2>();
  const auto jet_p = jet_four_momenta(jets);
  const auto jp = jet_p.accessor<double, 2>();
  auto f = out.accessor<float, 3>();
  for (int64_t b = 0; b < n; ++b) {
    const double jet_pt = std::hypot(jp[b][0], jp[b][1]), jet_e = jp[b][3];
    const double jet_eta = pseudorapidity(jp[b][0], jp[b][1], jp[b][2]);
    const double jet_phi = std::atan2(jp[b][1], jp[b][0]);
    for (int64_t i = 0; i < p && m[b][i]; ++i) {
      const double px = v[b][0][i], py = v[b][1][i], pz = v[b][2][i], e = v[b][3][i];
      const double pt = std::hypot(px, py);
      SUBQ_CHECK(pt > 0 && e > 0, "{}: jet {} particle {} has pT {} and E {}; both must be > 0",
                 jets.source, b, i, pt, e);
      const double deta = pseudorapidity(px, py, pz) - jet_eta;
      const double dphi = wrap_phi(std::atan2(py, px) - jet_phi);
      f[b][0][i] = standardise(std::log(pt), 1.7, 0.7);
      f[b][1][i] = standardise(std::log(e), 2.0, 0.7);
      f[b][2][i] = standardise(std::log(pt / jet_pt), -4.7, 0.7);
      f[b][3][i] = standardise(std::log(e / jet_e), -4.7, 0.7);
      f[b][4][i] = standardise(std::hypot(deta, dphi), 0.2, 4.0);
      f[b][c - 2][i] = static_cast<float>(deta);
      f[b][c - 1][i] = static_cast<float>(dphi);
    }
  }
  if (set == PartFeatureSet::full) {
    const auto& x = *jets.extras;
    auto mask = jets.mask.to(torch::kFloat32);
    const std::vector<torch::Tensor> extra = {
        x.charge, x.is_charged_hadron, x.is_neutral_hadron, x.is_photon, x.is_electron,
        x.is_muon, torch::tanh(x.d0val), x.d0err.clamp(0, 1), torch::tanh(x.dzval),
        x.dzerr.clamp(0, 1)};
    for (size_t k = 0; k < extra.size(); ++k) out.select(1, 5 + k).copy_(extra[k] * mask);
  }
  return out;
}

double wrap_phi(double dphi) {
  dphi = std::fmod(dphi + kPi, 2 * kPi);
  if (dphi < 0) dphi += 2 * kPi;
  return dphi - kPi;
}

torch::Tensor packed_pair_index(int64_t particles) {
  auto index = torch::empty({particles * particles}, torch::kInt64);
  auto a = index.accessor<int64_t, 1>();
  for (int64_t i = 0; i < particles; ++i)
    for (int64_t j = 0; j < particles; ++j) {
      const int64_t hi = std::max(i, j), lo = std::min(i, j);
      a[i * particles + j] = hi * (hi + 1) / 2 + lo;
    }
  return index;
}

}  // namespace subq::data
