#include "subq/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "subq/util/error.h"

namespace subq::eval {
namespace {
void check_sizes(size_t a, size_t b, const char* what) {
  SUBQ_CHECK(a == b, "{}: inputs have different lengths ({} vs {})", what, a, b);
  SUBQ_CHECK(a > 0, "{}: empty input", what);
}
}  // namespace

RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_sizes(scores.size(), labels.size(), "roc_curve");
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  const double pos = std::count(labels.begin(), labels.end(), 1);
  const double neg = static_cast<double>(labels.size()) - pos;
  SUBQ_CHECK(pos > 0 && neg > 0, "roc_curve: needs both classes (got {} positive, {} negative)",
             pos, neg);
  RocCurve roc;
  roc.fpr.push_back(0);
  roc.tpr.push_back(0);
  roc.thresholds.push_back(std::numeric_limits<double>::infinity());
  double tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const double s = scores[order[i]];
    SUBQ_CHECK(std::isfinite(s), "roc_curve: score {} is not finite", i);
    (labels[order[i]] == 1 ? tp : fp) += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != s) {  // close a group of tied scores
      roc.fpr.push_back(fp / neg);
      roc.tpr.push_back(tp / pos);
      roc.thresholds.push_back(s);
    }
  }
  return roc;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  const RocCurve roc = roc_curve(scores, labels);
  double auc = 0;
  for (size_t i = 1; i < roc.fpr.size(); ++i)
    auc += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2;
  return auc;
}

double background_rejection(const RocCurve& roc, double signal_eff) {
  for (size_t i = 1; i < roc.tpr.size(); ++i) {
    if (roc.tpr[i] >= signal_eff) {
      const double t0 = roc.tpr[i - 1], t1 = roc.tpr[i];
      const double w = t1 > t0 ? (signal_eff - t0) / (t1 - t0) : 1.0;
      const double eps_b = roc.fpr[i - 1] + w * (roc.fpr[i] - roc.fpr[i - 1]);
      return eps_b > 0 ? 1.0 / eps_b : std::numeric_limits<double>::infinity();
    }
  }
  return 1.0;
}

double accuracy(const std::vector<int>& predicted, const std::vector<int>& truth) {
  check_sizes(predicted.size(), truth.size(), "accuracy");
  size_t right = 0;
  for (size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
  return static_cast<double>(right) / truth.size();
}

double matthews_corrcoef(const std::vector<int>& predicted, const std::vector<int>& truth) {
  check_sizes(predicted.size(), truth.size(), "matthews_corrcoef");
  double tp = 0, tn = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (predicted[i] == 1) (truth[i] == 1 ? tp : fp) += 1;
    else (truth[i] == 1 ? fn : tn) += 1;
  }
  const double denom = std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return denom > 0 ? (tp * tn - fp * fn) / denom : 0.0;
}

std::vector<std::vector<long>> confusion_matrix(const std::vector<int>& predicted,
                                                const std::vector<int>& truth, int classes) {
  check_sizes(predicted.size(), truth.size(), "confusion_matrix");
  std::vector<std::vector<long>> m(classes, std::vector<long>(classes, 0));
  for (size_t i = 0; i < truth.size(); ++i) {
    SUBQ_CHECK(truth[i] >= 0 && truth[i] < classes && predicted[i] >= 0 && predicted[i] < classes,
               "confusion_matrix: class index out of range at {}", i);
    ++m[truth[i]][predicted[i]];
  }
  return m;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x.size(), y.size(), "pearson");
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double r = (i + j) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x.size(), y.size(), "spearman");
  return pearson(average_ranks(x), average_ranks(y));
}

double mean_squared_error(const std::vector<double>& predicted, const std::vector<double>& truth) {
  check_sizes(predicted.size(), truth.size(), "mean_squared_error");
  double s = 0;
  for (size_t i = 0; i < truth.size(); ++i) s += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
  return s / truth.size();
}

double r_squared(const std::vector<double>& predicted, const std::vector<double>& truth) {
  check_sizes(predicted.size(), truth.size(), "r_squared");
  const double mean = std::accumulate(truth.begin(), truth.end(), 0.0) / truth.size();
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ss_res += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
    ss_tot += (truth[i] - mean) * (truth[i] - mean);
  }
  return ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd r;
  if (values.empty()) return r;
  r.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  if (values.size() > 1) {
    double s = 0;
    for (double v : values) s += (v - r.mean) * (v - r.mean);
    r.std = std::sqrt(s / (values.size() - 1));
  }
  return r;
}

}  // namespace subq::eval
