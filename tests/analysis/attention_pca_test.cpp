// PCA of attention maps: explained variance against the eigenvalues of the covariance matrix
// (an independent route), a known direction recovered, and the zero-padded leading block.
#include "subq/analysis/attention_pca.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::analysis {
namespace {

TEST(AttentionPca, MatchesCovarianceEigenvalues) {
  torch::manual_seed(9);
  const auto points = torch::randn({40, 2, 3}, torch::kDouble) * torch::tensor({3.0, 1.0, 0.5}, torch::kDouble);
  const auto pca = principal_components(points, 3);
  const auto x = points.reshape({40, 6}) - points.reshape({40, 6}).mean(0, true);
  const auto eig = torch::linalg_eigvalsh(x.t().mm(x)).flip(0);  // descending
  const double total = eig.sum().item<double>();
  ASSERT_EQ(pca.explained_variance_ratio.size(), 3u);
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(pca.explained_variance_ratio[c], eig[c].item<double>() / total, 1e-12);
  EXPECT_EQ(pca.coordinates.sizes(), (std::vector<int64_t>{40, 3}));
  // Projections are uncorrelated and carry the eigenvalues as their sums of squares.
  const auto gram = pca.coordinates.t().mm(pca.coordinates);
  EXPECT_TRUE(torch::allclose(gram, torch::diag(eig.narrow(0, 0, 3)), 1e-9, 1e-9));
  EXPECT_THROW(principal_components(points.narrow(0, 0, 1)), Error);
}

TEST(AttentionPca, RecoversTheOnlyDirectionOfVariation) {
  const auto t = torch::linspace(-1, 1, 11, torch::kDouble).unsqueeze(1);
  const auto direction = torch::tensor({0.6, 0.0, -0.8}, torch::kDouble).unsqueeze(0);
  const auto pca = principal_components(t * direction + 5.0, 2);
  EXPECT_NEAR(pca.explained_variance_ratio[0], 1.0, 1e-12);
  EXPECT_NEAR(pca.explained_variance_ratio[1], 0.0, 1e-12);
  EXPECT_TRUE(torch::allclose(pca.coordinates.select(1, 0).abs(), t.squeeze(1).abs(), 1e-9, 1e-12));
}

TEST(AttentionPca, LeadingBlockIsCutAndZeroPadded) {
  const auto w = torch::arange(2 * 3 * 3, torch::kFloat).view({2, 3, 3});
  const auto small = leading_block(w, 2);
  EXPECT_TRUE(torch::equal(small, w.narrow(1, 0, 2).narrow(2, 0, 2)));
  const auto padded = leading_block(w, 4);
  EXPECT_EQ(padded.sizes(), (std::vector<int64_t>{2, 4, 4}));
  EXPECT_TRUE(torch::equal(padded.narrow(1, 0, 3).narrow(2, 0, 3), w));
  EXPECT_EQ(padded.narrow(1, 3, 1).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(padded.narrow(2, 3, 1).abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace subq::analysis
