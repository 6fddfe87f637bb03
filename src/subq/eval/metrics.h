// Scalar metrics shared by every task (jets, bio, compression): classification (ROC, AUC,
// background rejection, accuracy, MCC) and regression (Spearman, Pearson, R^2, MSE).
// Inputs are plain vectors so results do not depend on tensor dtypes or devices.
#pragma once
#include <vector>

namespace subq::eval {

struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;  // sorted by decreasing threshold, from (0,0)
};

// `labels` are 0/1 (1 = signal/positive); ties in score are grouped so AUC is exact.
RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels);
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

// Background rejection 1/eps_B at signal efficiency `signal_eff` (e.g. 0.3, 0.5), read off
// the ROC by linear interpolation as in the top-tagging comparisons. Infinite when eps_B = 0.
double background_rejection(const RocCurve& roc, double signal_eff);

double accuracy(const std::vector<int>& predicted, const std::vector<int>& truth);
// Matthews correlation coefficient for binary predictions (0 when undefined).
double matthews_corrcoef(const std::vector<int>& predicted, const std::vector<int>& truth);
// confusion[i][j] = count of truth i predicted as j.
std::vector<std::vector<long>> confusion_matrix(const std::vector<int>& predicted,
                                                const std::vector<int>& truth, int classes);

double pearson(const std::vector<double>& x, const std::vector<double>& y);
// Spearman's rho: Pearson on average ranks (ties get their mean rank).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
double mean_squared_error(const std::vector<double>& predicted, const std::vector<double>& truth);
double r_squared(const std::vector<double>& predicted, const std::vector<double>& truth);

// Average ranks (1-based), ties sharing their mean rank.
std::vector<double> average_ranks(const std::vector<double>& x);

struct MeanStd {
  double mean = 0, std = 0;  // sample standard deviation (n - 1)
};
MeanStd mean_std(const std::vector<double>& values);

}  // namespace subq::eval
