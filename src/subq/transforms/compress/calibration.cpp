#include "subq/transforms/compress/calibration.h"

#include <memory>

#include "subq/util/error.h"

namespace subq::compress {
namespace {

// Forwards to the wrapped layer and accumulates the Gram matrix of its inputs.
class RecordingLinear : public nn::LinearLayer {
 public:
  explicit RecordingLinear(std::shared_ptr<nn::LinearLayer> inner)
      : nn::LinearLayer(inner->in_features, inner->out_features), inner_(std::move(inner)) {
    stats.gram = torch::zeros({in_features, in_features}, torch::kFloat64);
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto rows = x.detach().reshape({-1, in_features}).to(torch::kFloat64);
    stats.gram.add_(torch::matmul(rows.transpose(0, 1), rows));
    stats.rows += rows.size(0);
    return inner_->forward(x);
  }
  torch::Tensor effective_weight() const override { return inner_->effective_weight(); }
  c10::optional<torch::Tensor> effective_bias() const override {
    return inner_->effective_bias();
  }
  std::shared_ptr<nn::LinearLayer> inner() const { return inner_; }
  InputStatistics stats;

 private:
  std::shared_ptr<nn::LinearLayer> inner_;
};

}  // namespace

InputStatisticsMap collect_input_statistics(const LinearSlots& slots, const std::string& patterns,
                                            const std::function<void()>& run_calibration) {
  auto refs = chosen_linears(slots, patterns);
  std::vector<std::shared_ptr<RecordingLinear>> recorders;
  for (const auto& ref : refs) {
    recorders.push_back(std::make_shared<RecordingLinear>(*ref.slot));
    nn::replace_linear(ref, recorders.back());
  }
  auto restore = [&] {
    for (size_t i = 0; i < refs.size(); ++i) nn::replace_linear(refs[i], recorders[i]->inner());
  };
  try {
    run_calibration();
  } catch (...) {
    restore();
    throw;
  }
  restore();
  InputStatisticsMap out;
  for (size_t i = 0; i < refs.size(); ++i) {
    SUBQ_CHECK(recorders[i]->stats.rows > 0,
               "calibration never reached layer '{}' (is it used by the model's forward?)",
               refs[i].path);
    out[refs[i].path] = recorders[i]->stats;
  }
  return out;
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> whitened_svd(const torch::Tensor& weight,
                                                                      const InputStatistics& stats) {
  const int64_t n = weight.size(1);
  SUBQ_CHECK(stats.gram.defined() && stats.gram.size(0) == n && stats.rows > 0,
             "whitened SVD: input statistics ({} rows) do not fit a layer with {} inputs",
             stats.rows, n);
  auto gram = stats.gram / static_cast<double>(stats.rows);
  // A small ridge keeps the Cholesky factor invertible when some input directions never
  // occur in the calibration data (dead features, too few rows).
  const double ridge = 1e-4 * std::max(gram.diagonal().mean().item<double>(), 1e-12);
  auto chol = torch::linalg_cholesky(gram + ridge * torch::eye(n, torch::kFloat64));
  auto w = weight.detach().to(torch::kFloat64);
  auto [u, s, vh] = torch::linalg_svd(torch::matmul(w, chol), /*full_matrices=*/false);
  // V = S^-T Vw: solve S^T V = Vw (S^T is upper triangular).
  auto v = at::linalg_solve_triangular(chol.transpose(0, 1), vh.transpose(0, 1), /*upper=*/true);
  const auto dtype = weight.scalar_type();
  return {u.to(dtype).contiguous(), s.to(dtype).contiguous(), v.to(dtype).contiguous()};
}

}  // namespace subq::compress
