#include "subq/eval/metrics.h"
#include "subq/util/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace subq::eval;

TEST(Metrics, AucEqualsPairwiseProbability) {
  // AUC = P(score_pos > score_neg) + 0.5 P(tie), computed here by brute force.
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> s;
  std::vector<int> y;
  for (int i = 0; i < 300; ++i) {
    const int label = i % 3 == 0;
    y.push_back(label);
    s.push_back(std::round((noise(rng) + label) * 4) / 4);  // rounding creates ties
  }
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (y[i] == 1 && y[j] == 0) {
        pairs += 1;
        wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
      }
  EXPECT_NEAR(roc_auc(s, y), wins / pairs, 1e-12);
}

TEST(Metrics, RejectionAtSignalEfficiency) {
  // 4 signal and 4 background: ranks interleave so that at tpr 0.5 the fpr is 0.25.
  const std::vector<double> s = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2};
  const std::vector<int> y = {1, 0, 1, 0, 1, 0, 1, 0};
  const auto roc = roc_curve(s, y);
  EXPECT_NEAR(background_rejection(roc, 0.5), 4.0, 1e-12);
  EXPECT_NEAR(roc_auc(s, y), 10.0 / 16.0, 1e-12);
}

TEST(Metrics, SpearmanWithTiesAndPearson) {
  const std::vector<double> x = {1, 2, 2, 3, 4};
  const std::vector<double> y = {10, 20, 20, 30, 100};
  EXPECT_NEAR(spearman(x, y), 1.0, 1e-12);
  EXPECT_LT(pearson(x, y), 0.95);
  const auto r = average_ranks(x);
  EXPECT_DOUBLE_EQ(r[1], 2.5);
  EXPECT_DOUBLE_EQ(r[2], 2.5);
}

TEST(Metrics, MccAndConfusion) {
  const std::vector<int> t = {1, 1, 0, 0, 1, 0};
  const std::vector<int> p = {1, 0, 0, 0, 1, 1};
  // tp 2 tn 2 fp 1 fn 1 -> (4 - 1) / sqrt(3*3*3*3) = 1/3
  EXPECT_NEAR(matthews_corrcoef(p, t), 1.0 / 3.0, 1e-12);
  const auto m = confusion_matrix(p, t, 2);
  EXPECT_EQ(m[1][0], 1);
  EXPECT_EQ(m[0][1], 1);
  EXPECT_THROW(roc_auc({1.0, 2.0}, {1, 1}), subq::Error);
}
