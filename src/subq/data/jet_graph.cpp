#include "subq/data/jet_graph.h"

#include <algorithm>
#include <numeric>

#include "subq/data/jet_features.h"
#include "subq/util/error.h"

namespace subq::data {

torch::Tensor eta_phi_coordinates(const JetDataset& jets) {
  // The last two ParT kinematic channels are the raw delta eta and delta phi.
  return part_particle_features(jets, PartFeatureSet::kinematic).narrow(1, 5, 2).contiguous();
}

torch::Tensor pcn_node_features(const JetDataset& jets) {
  const auto& v = jets.four_vectors;
  const auto mask = jets.mask.to(torch::kFloat32);
  std::vector<torch::Tensor> channels = {v.select(1, 0), v.select(1, 1), v.select(1, 2),
                                         v.select(1, 3),
                                         torch::hypot(v.select(1, 0), v.select(1, 1))};
  const auto etaphi = eta_phi_coordinates(jets);
  channels.push_back(etaphi.select(1, 0));
  channels.push_back(etaphi.select(1, 1));
  if (jets.extras) {
    const auto& x = *jets.extras;
    for (const auto* t : {&x.d0val, &x.d0err, &x.dzval, &x.dzerr, &x.is_charged_hadron,
                          &x.is_neutral_hadron, &x.is_photon, &x.is_electron, &x.is_muon})
      channels.push_back(*t * mask);
  } else {
    for (int i = 0; i < 9; ++i) channels.push_back(torch::zeros_like(mask));
  }
  return torch::stack(channels, 1).contiguous();
}

KnnSpace parse_knn_space(const std::string& name) {
  if (name == "features") return KnnSpace::features;
  if (name == "etaphi") return KnnSpace::etaphi;
  fail("unknown kNN space '{}' (use features or etaphi)", name);
}

torch::Tensor knn_neighbours(const torch::Tensor& coordinates, const torch::Tensor& mask, int64_t k) {
  SUBQ_CHECK(k > 0, "kNN needs k > 0, got {}", k);
  const auto x = coordinates.to(torch::kFloat64).contiguous();
  const int64_t n = x.size(0), c = x.size(1), p = x.size(2);
  auto out = torch::full({n, p, k}, -1, torch::kInt64);
  const auto xa = x.accessor<double, 3>();
  const auto counts = mask.sum(1).to(torch::kInt64);
  const auto ca = counts.accessor<int64_t, 1>();
  auto oa = out.accessor<int64_t, 3>();
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> dist(p);
    std::vector<int64_t> order(p);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t m = ca[b];  // real particles come first
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < m; ++j) {
          double d = 0;
          for (int64_t f = 0; f < c; ++f) d += (xa[b][f][i] - xa[b][f][j]) * (xa[b][f][i] - xa[b][f][j]);
          dist[j] = d;
        }
        order.resize(m);
        std::iota(order.begin(), order.end(), 0);
        order.erase(order.begin() + i);
        const int64_t take = std::min<int64_t>(k, m - 1);
        std::partial_sort(order.begin(), order.begin() + take, order.end(), [&](int64_t a, int64_t z) {
          return dist[a] < dist[z] || (dist[a] == dist[z] && a < z);
        });
        for (int64_t t = 0; t < take; ++t) oa[b][i][t] = order[t];
        order.resize(p);
      }
    }
  });
  return out;
}

}  // namespace subq::data
