// Attention statistics against a small example computed by hand, and the streaming Pearson
// correlation against eval::pearson.
#include <cmath>

#include "subq/analysis/attention_statistics.h"
#include "subq/eval/metrics.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::analysis {
namespace {

// Three query rows over three keys:
//   [1,   0,    0   ]  max 1,   entropy 0
//   [0.6, 0.4,  0   ]  max 0.6, entropy -(0.6 ln 0.6 + 0.4 ln 0.4)
//   [0.5, 0.25, 0.25]  max 0.5, entropy 1.5 ln 2  (0.5 is not "above 0.5")
torch::Tensor hand_weights() {
  return torch::tensor({1.0, 0.0, 0.0, 0.6, 0.4, 0.0, 0.5, 0.25, 0.25}, torch::kDouble).view({3, 3});
}

TEST(AttentionStatistics, HandComputedExample) {
  HeadAttentionStatistics s(4);
  s.add(hand_weights(), torch::Tensor());
  EXPECT_EQ(s.rows(), 3);
  EXPECT_EQ(s.weights(), 9);
  EXPECT_DOUBLE_EQ(s.fraction_rows_max_above(0.5), 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.fraction_rows_max_above(0.8), 1.0 / 3);
  EXPECT_DOUBLE_EQ(s.fraction_rows_max_above(0.9), 1.0 / 3);
  EXPECT_THROW(s.fraction_rows_max_above(0.7), Error);  // not a recorded threshold
  EXPECT_DOUBLE_EQ(s.mean_row_max(), (1 + 0.6 + 0.5) / 3);
  const double entropy = (0 - (0.6 * std::log(0.6) + 0.4 * std::log(0.4)) + 1.5 * std::log(2.0)) / 3;
  EXPECT_NEAR(s.mean_row_entropy(), entropy, 1e-15);
  EXPECT_NEAR(s.mean_uniform_entropy(), std::log(3.0), 1e-15);
  EXPECT_DOUBLE_EQ(s.fraction_weights_near_zero(), 3.0 / 9);
  EXPECT_DOUBLE_EQ(s.fraction_weights_near_one(), 1.0 / 9);
  EXPECT_DOUBLE_EQ(s.fraction_weights_exactly_zero(), 3.0 / 9);
  // Bins of width 0.25; 1.0 falls into the last bin.
  EXPECT_EQ(s.weight_histogram(), (std::vector<int64_t>{3, 3, 2, 1}));
  EXPECT_EQ(s.row_max_histogram(), (std::vector<int64_t>{0, 0, 2, 1}));
  EXPECT_EQ(s.attention_only_vs_log_weight().count(), 0);  // no pair bias given
  EXPECT_TRUE(std::isnan(s.mean_self_weight()));           // not declared square
  HeadAttentionStatistics square(4);
  square.add(hand_weights(), torch::Tensor(), true);
  EXPECT_DOUBLE_EQ(square.mean_self_weight(), (1 + 0.4 + 0.25) / 3);  // the diagonal
  EXPECT_THROW(square.add(hand_weights().narrow(0, 0, 2), torch::Tensor(), true), Error);
}

TEST(AttentionStatistics, AttentionOnlyTermCorrelations) {
  const auto w = hand_weights();
  const auto log_w = w.clamp_min(1e-300).log();
  HeadAttentionStatistics no_bias(10), doubled(10);
  no_bias.add(w, torch::zeros_like(w));  // log w - U = log w: r = 1
  doubled.add(w, 2 * log_w);             // log w - U = -log w: r = -1, and U tracks log w
  EXPECT_NEAR(no_bias.attention_only_vs_log_weight().value(), 1.0, 1e-12);
  EXPECT_EQ(no_bias.attention_only_vs_log_weight().count(), 6);  // the 6 non-zero weights
  EXPECT_TRUE(std::isnan(no_bias.pair_bias_vs_log_weight().value()));  // U constant
  EXPECT_NEAR(doubled.attention_only_vs_log_weight().value(), -1.0, 1e-12);
  EXPECT_NEAR(doubled.pair_bias_vs_log_weight().value(), 1.0, 1e-12);

  // A random bias: compare with eval::pearson on the explicit lists.
  torch::manual_seed(5);
  const auto u = torch::randn({3, 3}, torch::kDouble);
  HeadAttentionStatistics random(10);
  random.add(w, u);
  std::vector<double> only, logs, weights;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double x = w[i][j].item<double>();
      if (x <= 0) continue;
      only.push_back(std::log(x) - u[i][j].item<double>());
      logs.push_back(std::log(x));
      weights.push_back(x);
    }
  EXPECT_NEAR(random.attention_only_vs_log_weight().value(), eval::pearson(only, logs), 1e-12);
  EXPECT_NEAR(random.attention_only_vs_weight().value(), eval::pearson(only, weights), 1e-12);
}

TEST(AttentionStatistics, CollectsEveryLayerAndHeadOfAJet) {
  JetAttention jet;
  jet.slots = torch::arange(3, torch::kInt64);
  jet.particle_weights = {torch::stack({hand_weights(), hand_weights()}).to(torch::kFloat),
                          torch::full({2, 3, 3}, 1.0f / 3)};
  jet.class_weights = {torch::full({2, 1, 4}, 0.25f)};
  jet.pair_bias = torch::zeros({2, 3, 3});
  AttentionStatistics stats(4);
  stats.add(jet);
  stats.add(jet);
  EXPECT_EQ(stats.jets(), 2);
  ASSERT_EQ(stats.layers().size(), 3u);
  EXPECT_EQ(stats.layers()[0].name, "particle.0");
  EXPECT_EQ(stats.layers()[2].name, "class.0");
  EXPECT_EQ(stats.layers()[0].heads[1].rows(), 6);
  EXPECT_DOUBLE_EQ(stats.layers()[0].heads[1].fraction_rows_max_above(0.5), 2.0 / 3);
  EXPECT_DOUBLE_EQ(stats.layers()[1].heads[0].fraction_rows_max_above(0.5), 0.0);
  EXPECT_NEAR(stats.layers()[1].heads[0].mean_row_entropy(), std::log(3.0), 1e-6);  // uniform rows
  EXPECT_EQ(stats.layers()[2].heads[0].rows(), 2);
  EXPECT_NEAR(stats.layers()[2].heads[0].mean_row_entropy(), std::log(4.0), 1e-6);
  const auto json = stats.to_json();
  EXPECT_EQ(json["layers"][0]["heads"][0]["fraction_rows_max_above"]["0.9"], 1.0 / 3);
  EXPECT_TRUE(json["layers"][2]["heads"][0]["pearson_attention_only_vs_log_weight"].is_null());
  EXPECT_NEAR(json["layers"][0]["heads"][0]["mean_self_weight"].get<double>(), (1 + 0.4 + 0.25) / 3, 1e-7);
  EXPECT_TRUE(json["layers"][2]["heads"][0]["mean_self_weight"].is_null());  // class token is no particle

  JetAttention other = jet;  // a jet from a different model shape is refused
  other.particle_weights[0] = torch::full({3, 3, 3}, 1.0f / 3);
  EXPECT_THROW(stats.add(other), Error);
}

}  // namespace
}  // namespace subq::analysis
