// Linearized particle attention (models/part/linear_attention.h) against an independent dense
// computation of the same normalised product kernel, padding, the pair-embedding skip,
// attention transfer and checkpoint round trips.
#include "subq/models/part/linear_attention.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/train/jet_trainer.h"
#include "subq/train/part_attention_transfer.h"
#include "subq/train/part_linearize.h"
#include "subq/util/error.h"
#include "support/random_jets.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

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

std::shared_ptr<ParticleTransformer> tiny_linearized(int64_t pair_features) {
  torch::manual_seed(5);
  ParticleTransformer trained(test::tiny_part_config());
  trained.eval();
  train::LinearizeOptions options;
  options.feature_dim = 4;
  options.pair_features = pair_features;
  return train::make_linearized(trained, options);
}

TEST(LinearParticleAttention, AllLinearModelSkipsThePairEmbedding) {
  auto model = tiny_linearized(4);
  EXPECT_FALSE(model->uses_pair_bias());
  torch::manual_seed(2);
  auto batch = data::make_batch(test::random_prepared_jets(2, 5, 5), torch::arange(2));
  const auto pad = [](const torch::Tensor& t) {  // one padded slot after the 5 real particles
    auto shape = t.sizes().vec();
    shape.back() = 1;
    return torch::cat({t, torch::zeros(shape, t.options())}, -1);
  };
  batch.features = pad(batch.features);
  batch.four_vectors = pad(batch.four_vectors);
  batch.mask = pad(batch.mask);
  AttentionCapture capture;
  const auto before = model->forward(batch, &capture);
  EXPECT_FALSE(capture.pair_bias.defined());
  EXPECT_EQ(capture.particle_weights[0].select(3, 5).abs().max().item<float>(), 0.0f);
  // U is never built: the four-vectors (only the pair features read them) no longer matter.
  batch.four_vectors = torch::randn_like(batch.four_vectors);
  EXPECT_TRUE(torch::equal(model->forward(batch), before));
}

TEST(LinearParticleAttention, TransferLowersTheMse) {
  auto model = tiny_linearized(4);
  torch::manual_seed(3);
  const auto jets = test::random_prepared_jets(16, 8, 6);
  const double before = train::attention_transfer_mse(*model, jets, 16);
  train::AttentionTransferOptions options;
  options.epochs = 1;
  options.batch_size = 16;  // one step
  options.lr = 1e-2;
  const auto result = train::transfer_attention(*model, jets, jets, options);
  EXPECT_NEAR(result.initial_val_mse, before, 1e-6 * before);
  EXPECT_LT(result.best_val_mse, before);
  EXPECT_EQ(result.best_epoch, 1);
  EXPECT_NEAR(train::attention_transfer_mse(*model, jets, 16), result.best_val_mse, 1e-6 * before);
  EXPECT_EQ(model->attention_kernel(0)->kind(), "linear");  // students left in place
}

TEST(LinearParticleAttention, SavedModelLoadsWithIdenticalOutputs) {
  for (int64_t pair_features : {0, 4}) {
    auto model = tiny_linearized(pair_features);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.01);
    }
    test::TempDir dir;
    train::save_jet_tagger(*model, data::default_class_names(2), dir.path() / "model.safetensors");
    const auto loaded = train::load_jet_tagger(dir.path());
    EXPECT_EQ(loaded.model->config_json()["attention"], "linear");
    EXPECT_EQ(loaded.model->config_json()["linear_pair_features"], pair_features);
    torch::manual_seed(4);
    const auto batch = data::make_batch(test::random_prepared_jets(3, 7, 5), torch::arange(3));
    model->eval();
    EXPECT_TRUE(torch::equal(loaded.model->forward(batch), model->forward(batch)));
  }
}

TEST(LinearParticleAttention, LinearizeRejectsBadOptions) {
  ParticleTransformer trained(test::tiny_part_config());
  train::LinearizeOptions options;
  options.feature_dim = 0;
  EXPECT_THROW(train::make_linearized(trained, options), Error);
  auto linear = tiny_linearized(2);
  EXPECT_THROW(train::make_linearized(*linear, train::LinearizeOptions{}), Error);  // not softmax
}

}  // namespace
}  // namespace subq::models::part
