#include "subq/tasks/jets/jet_metrics.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "subq/report/figure.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::tasks::jets {
namespace {

nlohmann::json finite_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

// One-vs-rest numbers for one score.
nlohmann::json binary_numbers(const eval::RocCurve& roc, const std::vector<double>& scores,
                              const std::vector<int>& labels) {
  return {{"auc", eval::roc_auc(scores, labels)},
          {"rejection_at_30", finite_or_null(eval::background_rejection(roc, 0.3))},
          {"rejection_at_50", finite_or_null(eval::background_rejection(roc, 0.5))}};
}

}  // namespace

JetMetrics score_metrics(const std::vector<double>& scores, const std::vector<int>& labels,
                         const std::string& name) {
  JetMetrics m;
  const auto roc = eval::roc_curve(scores, labels);
  m.summary = binary_numbers(roc, scores, labels);
  m.summary["jets"] = scores.size();
  m.roc_names.push_back(name);
  m.rocs.push_back(roc);
  return m;
}

JetMetrics jet_metrics(const torch::Tensor& probabilities, const torch::Tensor& labels,
                       const std::vector<std::string>& class_names) {
  const auto probs = probabilities.to(torch::kFloat64).contiguous();
  const int64_t n = probs.size(0), classes = probs.size(1);
  SUBQ_CHECK(classes == static_cast<int64_t>(class_names.size()),
             "metrics: {} probability columns but {} class names", classes, class_names.size());
  const auto predicted_t = probs.argmax(1);
  std::vector<int> predicted(n), truth(n);
  for (int64_t i = 0; i < n; ++i) {
    predicted[i] = static_cast<int>(predicted_t[i].item<int64_t>());
    truth[i] = static_cast<int>(labels[i].item<int64_t>());
  }
  JetMetrics m;
  const double top1 = eval::accuracy(predicted, truth);
  m.summary["jets"] = n;
  m.summary["accuracy"] = top1;
  m.summary["confusion"] = eval::confusion_matrix(predicted, truth, static_cast<int>(classes));
  m.summary["classes"] = class_names;
  auto column = [&](int64_t c) {
    const auto col = probs.select(1, c).contiguous();
    return std::vector<double>(col.data_ptr<double>(), col.data_ptr<double>() + n);
  };
  if (classes == 2) {
    const auto scores = column(1);
    std::vector<int> signal(n);
    for (int64_t i = 0; i < n; ++i) signal[i] = truth[i] == 1;
    const auto roc = eval::roc_curve(scores, signal);
    m.summary.update(binary_numbers(roc, scores, signal));
    m.roc_names.push_back(class_names[1] + " vs " + class_names[0]);
    m.rocs.push_back(roc);
    return m;
  }
  nlohmann::json per_class = nlohmann::json::object();
  double auc_sum = 0;
  int auc_count = 0;
  for (int64_t c = 0; c < classes; ++c) {
    std::vector<int> is_c(n);
    for (int64_t i = 0; i < n; ++i) is_c[i] = truth[i] == c;
    const auto positives = std::count(is_c.begin(), is_c.end(), 1);
    if (positives == 0 || positives == n) continue;  // one-vs-rest undefined for this sample
    const auto scores = column(c);
    const auto roc = eval::roc_curve(scores, is_c);
    per_class[class_names[c]] = binary_numbers(roc, scores, is_c);
    auc_sum += per_class[class_names[c]]["auc"].get<double>();
    ++auc_count;
    m.roc_names.push_back(class_names[c] + " vs rest");
    m.rocs.push_back(roc);
  }
  m.summary["macro_auc"] = auc_count ? auc_sum / auc_count : std::nan("");
  m.summary["one_vs_rest"] = per_class;
  m.summary["mean_one_vs_rest_accuracy"] = 1 - 2 * (1 - top1) / static_cast<double>(classes);
  return m;
}

void save_roc_outputs(const JetMetrics& metrics, const std::string& title,
                      const std::string& directory) {
  std::filesystem::create_directories(directory);
  nlohmann::json out = nlohmann::json::array();
  report::LinePlot plot;
  plot.title = title;
  plot.x_label = "signal efficiency";
  plot.y_label = "background rejection 1/eps_B";
  plot.log_y = true;
  for (size_t i = 0; i < metrics.rocs.size(); ++i) {
    const auto& roc = metrics.rocs[i];
    out.push_back({{"name", metrics.roc_names[i]}, {"fpr", roc.fpr}, {"tpr", roc.tpr}});
    report::Series series;
    series.label = metrics.roc_names[i];
    for (size_t k = 0; k < roc.fpr.size(); ++k) {
      if (roc.fpr[k] <= 0 || roc.tpr[k] <= 0) continue;  // rejection infinite / efficiency 0
      series.x.push_back(roc.tpr[k]);
      series.y.push_back(1.0 / roc.fpr[k]);
    }
    plot.series.push_back(std::move(series));
  }
  write_text_atomically(std::filesystem::path(directory) / "roc.json", out.dump());
  report::save_figure(plot, std::filesystem::path(directory) / "roc.png");
  report::save_figure(plot, std::filesystem::path(directory) / "roc.svg");
}

}  // namespace subq::tasks::jets
