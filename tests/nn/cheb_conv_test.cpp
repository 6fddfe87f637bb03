// ChebConv against a direct dense evaluation of sum_k T_k(L~) X Theta_k, and the Laplacian.
#include "subq/nn/cheb_conv.h"
#include "subq/nn/graph.h"
#include "support/test_support.h"

namespace subq::nn {
namespace {

TEST(Graph, ScaledLaplacianOfAPath) {
  // Path 0 - 1 - 2 (+ isolated padded node 3): degrees 1, 2, 1.
  auto nb = torch::tensor({1, -1, 2, -1, 1, -1, -1, -1}).to(torch::kInt64).view({1, 4, 2});
  const auto a = symmetric_adjacency(nb);
  EXPECT_TRUE(torch::equal(a[0], torch::tensor({{0.f, 1.f, 0.f, 0.f}, {1.f, 0.f, 1.f, 0.f},
                                                {0.f, 1.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}})));
  const auto l = scaled_laplacian(a, 2.0)[0];  // = -D^-1/2 A D^-1/2
  const float s = -1 / std::sqrt(2.0f);
  EXPECT_TRUE(torch::allclose(l, torch::tensor({{0.f, s, 0.f, 0.f}, {s, 0.f, s, 0.f},
                                                {0.f, s, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}})));
  // lambda_max = 1: L~ = 2 L - I, so the isolated node gets +1 on the diagonal.
  EXPECT_FLOAT_EQ(scaled_laplacian(a, 1.0)[0][3][3].item<float>(), 1.0f);
}

TEST(ChebConv, MatchesDenseChebyshevPolynomials) {
  torch::manual_seed(0);
  const int64_t batch = 2, nodes = 6, in = 3, out = 4, order = 5;
  ChebConv conv(in, out, order);
  {
    torch::NoGradGuard g;
    conv->bias.uniform_(-1, 1);
  }
  auto nb = torch::randint(0, nodes, {batch, nodes, 2});
  const auto lap = scaled_laplacian(symmetric_adjacency(nb), 2.0).to(torch::kFloat64);
  const auto x = torch::randn({batch, nodes, in}, torch::kFloat64);
  const auto got = conv(x.to(torch::kFloat32), lap.to(torch::kFloat32));
  const auto theta = conv->weight.to(torch::kFloat64);
  for (int64_t b = 0; b < batch; ++b) {
    // T_k as explicit matrices.
    std::vector<torch::Tensor> t = {torch::eye(nodes, torch::kFloat64), lap[b]};
    for (int64_t k = 2; k < order; ++k) t.push_back(2 * lap[b].mm(t[k - 1]) - t[k - 2]);
    auto expected = conv->bias.to(torch::kFloat64).expand({nodes, out}).clone();
    for (int64_t k = 0; k < order; ++k) expected += t[k].mm(x[b]).mm(theta[k]);
    EXPECT_TRUE(torch::allclose(got[b].to(torch::kFloat64), expected, 1e-4, 1e-4)) << b;
  }
}

TEST(ChebConv, OrderOneIsALinearMap) {
  ChebConv conv(2, 3, 1);
  const auto x = torch::randn({1, 4, 2});
  const auto y = conv(x, torch::randn({1, 4, 4}));  // the Laplacian must not matter for K = 1
  EXPECT_TRUE(torch::allclose(y[0], x[0].mm(conv->weight[0]) + conv->bias));
}

}  // namespace
}  // namespace subq::nn
