#include "subq/kernels/pair_features.h"

#include <fmt/ranges.h>

#include <cmath>
#include <vector>

#include "subq/data/jet_features.h"
#include "subq/util/error.h"

namespace subq::kernels {

namespace {

using data::kPi;
using data::wrap_phi;

void check_shape(const torch::Tensor& four_vectors) {
  SUBQ_CHECK(four_vectors.dim() == 3 && four_vectors.size(1) == 4, "pair features need four-vectors (B, 4, P), got ({})",
             fmt::join(four_vectors.sizes(), ", "));
}

}  // namespace

torch::Tensor pair_features_packed_cpu(const torch::Tensor& four_vectors, double eps) {
  check_shape(four_vectors);
  const auto v4 = four_vectors.to(torch::kCPU, torch::kFloat32).contiguous();
  const int64_t batch = v4.size(0), p = v4.size(2), pairs = data::packed_pair_count(p);
  auto out = torch::empty({batch, pairs, 4}, torch::kFloat32);
  const float* in = v4.data_ptr<float>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> pt(p), rap(p), phi(p);
    for (int64_t b = begin; b < end; ++b) {
      const float* x = in + b * 4 * p;
      for (int64_t i = 0; i < p; ++i) {
        const double px = x[i], py = x[p + i], pz = x[2 * p + i], e = x[3 * p + i];
        pt[i] = std::hypot(px, py);
        rap[i] = 0.5 * std::log1p(2 * pz / std::max(e - pz, 1e-20));  // weaver's form
        phi[i] = std::atan2(py, px);
      }
      float* row = o + b * pairs * 4;
      for (int64_t i = 0; i < p; ++i) {
        for (int64_t j = 0; j <= i; ++j, row += 4) {
          const double dphi = wrap_phi(phi[i] - phi[j]);
          const double delta = std::sqrt(std::pow(rap[i] - rap[j], 2) + dphi * dphi);
          const double ptmin = std::min(pt[i], pt[j]);
          const double e = x[3 * p + i] + x[3 * p + j];
          const double sx = x[i] + x[j], sy = x[p + i] + x[p + j], sz = x[2 * p + i] + x[2 * p + j];
          row[0] = static_cast<float>(std::log(std::max(ptmin * delta, eps)));
          row[1] = static_cast<float>(std::log(std::max(ptmin / std::max(pt[i] + pt[j], eps), eps)));
          row[2] = static_cast<float>(std::log(std::max(delta, eps)));
          row[3] = static_cast<float>(std::log(std::max(e * e - sx * sx - sy * sy - sz * sz, eps)));
        }
      }
    }
  });
  return out;
}

torch::Tensor pair_features_packed_tensor(const torch::Tensor& four_vectors, double eps) {
  check_shape(four_vectors);
  // float32 inputs widened once, like the CPU loop, so both forms see the same numbers.
  const auto v = four_vectors.to(torch::kFloat32).to(torch::kFloat64);
  const int64_t p = v.size(2);
  const auto px = v.select(1, 0), py = v.select(1, 1), pz = v.select(1, 2), e = v.select(1, 3);  // (B, P)
  const auto pt = torch::sqrt(px * px + py * py);
  const auto rap = 0.5 * torch::log1p(2 * pz / (e - pz).clamp_min(1e-20));
  const auto phi = torch::atan2(py, px);
  const auto ij = torch::tril_indices(p, p, 0, torch::dtype(torch::kLong).device(v.device()));  // i >= j, row-major
  const auto i = ij[0], j = ij[1];
  auto at = [](const torch::Tensor& t, const torch::Tensor& index) { return t.index_select(1, index); };
  const auto dphi = torch::remainder(at(phi, i) - at(phi, j) + kPi, 2 * kPi) - kPi;
  const auto drap = at(rap, i) - at(rap, j);
  const auto delta = torch::sqrt(drap * drap + dphi * dphi);
  const auto pt_i = at(pt, i), pt_j = at(pt, j);
  const auto ptmin = torch::minimum(pt_i, pt_j);
  // The pair's four-vector is summed in float32 before widening, as the CPU loop (and weaver,
  // in float32 throughout) does: for nearly collinear massless pairs m^2 is all rounding, and
  // the two forms must agree on it.
  const auto v32 = four_vectors.to(torch::kFloat32);
  auto pair_sum = [&](int64_t c) {
    const auto x = v32.select(1, c);
    return (at(x, i) + at(x, j)).to(torch::kFloat64);
  };
  const auto sx = pair_sum(0), sy = pair_sum(1), sz = pair_sum(2), se = pair_sum(3);
  return torch::stack({torch::log((ptmin * delta).clamp_min(eps)),
                       torch::log((ptmin / (pt_i + pt_j).clamp_min(eps)).clamp_min(eps)),
                       torch::log(delta.clamp_min(eps)),
                       torch::log((se * se - sx * sx - sy * sy - sz * sz).clamp_min(eps))},
                      -1)
      .to(torch::kFloat32);
}

torch::Tensor pair_features_packed(const torch::Tensor& four_vectors, double eps) {
  return four_vectors.device().is_cpu() ? pair_features_packed_cpu(four_vectors, eps)
                                        : pair_features_packed_tensor(four_vectors, eps);
}

torch::Tensor pair_features_dense(const torch::Tensor& four_vectors, double eps) {
  const int64_t p = four_vectors.size(2);
  const auto packed = pair_features_packed(four_vectors, eps);  // (B, T, 4)
  return packed.index_select(1, data::packed_pair_index(p).to(packed.device()))
      .view({four_vectors.size(0), p, p, 4})
      .permute({0, 3, 1, 2})
      .contiguous();
}

}  // namespace subq::kernels
