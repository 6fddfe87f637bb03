// Linearized particle attention (models/part/linear_attention.h) against an independent dense
// computation of the same normalised product kernel, and padding. (Linearizing a trained ParT,
// attention transfer and checkpoint round trips: tests/tasks/jets/part_linearize_test.cpp.)
#include "subq/models/part/linear_attention.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::models::part {
namespace {

constexpr int64_t kBatch = 2, kHeads = 3, kParticles = 5, kDim = 4, kInputs = 7;

struct Inputs {
  torch::Tensor q, k, v, particles, padding;
};

Inputs random_inputs() {
  torch::manual_seed(11);
  Inputs in{torch::randn({kBatch, kHeads, kParticles, kDim}), torch::randn({kBatch, kHeads, kParticles, kDim}),
            torch::randn({kBatch, kHeads, kParticles, kDim}), torch::randn({kBatch, kParticles, kInputs}),
            torch::zeros({kBatch, kParticles}, torch::kBool)};
  in.padding[1].narrow(0, 3, 2).fill_(true);  // jet 1 has 3 real particles
  return in;
}

std::shared_ptr<LinearAttentionKernel> random_kernel(int64_t pair_features) {
  ParticleAttentionOptions options;
  options.kind = "linear";
  options.heads = kHeads;
  options.head_dim = kDim;
  options.feature_dim = 3;
  options.pair_features = pair_features;
  options.particle_dim = kInputs;
  auto kernel = std::make_shared<LinearAttentionKernel>(options);
  torch::NoGradGuard no_grad;
  for (auto& p : kernel->parameters()) p.normal_(0, 0.5);  // away from the identity / zero init
  return kernel;
}

// Hedgehog written out: [softmax(x W), softmax(-x W)] per head.
torch::Tensor hedgehog(const torch::Tensor& x, const torch::Tensor& weight) {
  const auto u = torch::einsum("bhld,hdf->bhlf", {x, weight});
  return torch::cat({torch::softmax(u, -1), torch::softmax(-u, -1)}, -1);
}

// The dense (B, H, P, P) normalised kernel weights, exp(q.k) and exp(U) each replaced by their
// feature-map kernels, with padded keys removed.
torch::Tensor dense_weights(LinearAttentionKernel& kernel, const Inputs& in) {
  const auto params = kernel.named_parameters();
  const auto fq = hedgehog(in.q, params["q_map.weight"]), fk = hedgehog(in.k, params["k_map.weight"]);
  auto w = torch::einsum("bhif,bhjf->bhij", {fq, fk});
  if (kernel.has_pair_kernel()) {
    const auto hidden = torch::gelu(torch::linear(in.particles, params["pair_map.hidden.weight"],
                                                  params["pair_map.hidden.bias"]));
    const auto a = torch::linear(hidden, params["pair_map.out.weight"], params["pair_map.out.bias"]);
    const auto psi = a.clamp(-10, 10).exp().view({kBatch, kParticles, kHeads, -1});  // (B, P, H, G)
    w = w * torch::einsum("bihg,bjhg->bhij", {psi, psi});
  }
  w = w.masked_fill(in.padding.unsqueeze(1).unsqueeze(2), 0.0);
  return w / w.sum(-1, true);
}

TEST(LinearParticleAttention, MatchesDenseProductKernelWithMasking) {
  const auto in = random_inputs();
  for (int64_t pair_features : {0, 4}) {
    auto kernel = random_kernel(pair_features);
    torch::NoGradGuard no_grad;
    torch::Tensor weights;
    const auto out = kernel->attend(in.q, in.k, in.v, PairInputs{torch::Tensor(), in.particles}, in.padding, &weights);
    const auto expected = dense_weights(*kernel, in);
    EXPECT_TRUE(torch::allclose(weights, expected, 1e-5, 1e-6)) << "G = " << pair_features;
    EXPECT_TRUE(torch::allclose(out, torch::matmul(expected, in.v), 1e-4, 1e-5)) << "G = " << pair_features;
    EXPECT_EQ(weights[1].narrow(-1, 3, 2).abs().max().item<float>(), 0.0f);  // padded keys: no weight
    EXPECT_TRUE(torch::allclose(weights.sum(-1), torch::ones({kBatch, kHeads, kParticles}), 1e-5, 1e-6));
  }
}

TEST(LinearParticleAttention, PaddedKeysDoNotChangeTheOutput) {
  auto in = random_inputs();
  auto kernel = random_kernel(4);
  torch::NoGradGuard no_grad;
  const auto before = kernel->attend(in.q, in.k, in.v, PairInputs{torch::Tensor(), in.particles}, in.padding, nullptr);
  in.k[1].narrow(1, 3, 2).normal_(0, 100);
  in.v[1].narrow(1, 3, 2).normal_(0, 100);
  in.particles[1].narrow(0, 3, 2).normal_(0, 100);
  const auto after = kernel->attend(in.q, in.k, in.v, PairInputs{torch::Tensor(), in.particles}, in.padding, nullptr);
  EXPECT_TRUE(torch::allclose(before[1].narrow(1, 0, 3), after[1].narrow(1, 0, 3), 1e-5, 1e-6));
}

TEST(LinearParticleAttention, PairKernelNeedsParticleInputs) {
  const auto in = random_inputs();
  auto with_pair = random_kernel(4), without = random_kernel(0);
  const auto u = torch::randn({kBatch, kHeads, kParticles, kParticles});
  EXPECT_THROW(with_pair->forward(in.q, in.k, in.v, u, in.padding, nullptr), Error);
  EXPECT_NO_THROW(without->forward(in.q, in.k, in.v, u, in.padding, nullptr));
  EXPECT_FALSE(with_pair->uses_pair_bias());
  EXPECT_EQ(make_particle_attention(ParticleAttentionOptions{"linear", 0, 2, 4})->kind(), "linear");
}

}  // namespace
}  // namespace subq::models::part
