// ParT: exact parameter count, padding invariance, save/load, attention capture and swapping.
#include "subq/data/jet_features.h"
#include "subq/data/jet_inputs.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "support/random_jets.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

namespace subq::models::part {
namespace {

// 2,141,134 = weaver-core v0.4.0 ParticleTransformer(input_dim=7, num_classes=2) with the paper
// settings, as counted by bench/jets_reference.py (PyTorch) `params`.
TEST(ParT, ParameterCountMatchesWeaver) {
  ParticleTransformerConfig config;
  EXPECT_EQ(count_parameters(ParticleTransformer(config)), 2141134);
  config.input_dim = 17;
  config.num_classes = 10;
  EXPECT_EQ(count_parameters(ParticleTransformer(config)), 2143486);
}

ParticleTransformerConfig tiny_config() { return test::tiny_part_config(); }

data::JetBatch random_batch(int64_t batch, int64_t particles, int64_t real) {
  return data::make_batch(test::random_prepared_jets(batch, particles, real), torch::arange(batch));
}

// Appends `extra` zero (padding) slots along the particle axis.
torch::Tensor pad(const torch::Tensor& t, int64_t extra) {
  auto shape = t.sizes().vec();
  shape.back() = extra;
  return torch::cat({t, torch::zeros(shape, t.options())}, -1);
}

TEST(ParT, OutputIgnoresExtraPadding) {
  torch::manual_seed(0);
  ParticleTransformer model(tiny_config());
  model.eval();
  auto batch = random_batch(3, 6, 6);
  const auto out = model.forward(batch);
  const auto padded = model.forward(pad(batch.features, 4), pad(batch.four_vectors, 4), pad(batch.mask, 4));
  EXPECT_TRUE(torch::allclose(out, padded, 1e-5, 1e-5)) << out << padded;
}

TEST(ParT, SavedThenLoadedGivesIdenticalOutputs) {
  torch::manual_seed(1);
  auto model = std::make_shared<ParticleTransformer>(tiny_config());
  model->eval();
  auto batch = random_batch(4, 7, 5);
  test::TempDir dir;
  tasks::jets::save_jet_tagger(*model, {"QCD", "top"}, dir / "model.safetensors");
  const auto loaded = tasks::jets::load_jet_tagger(dir.path());
  EXPECT_EQ(loaded.class_names, (std::vector<std::string>{"QCD", "top"}));
  EXPECT_TRUE(torch::equal(model->forward(batch), loaded.model->forward(batch)));
}

TEST(ParT, CaptureRecordsAttentionAndPairBias) {
  torch::manual_seed(2);
  ParticleTransformer model(tiny_config());
  model.eval();
  auto trimmed = random_batch(2, 4, 4);  // 4 real particles + 1 padded slot below
  data::JetBatch batch = trimmed;
  batch.features = pad(trimmed.features, 1);
  batch.four_vectors = pad(trimmed.four_vectors, 1);
  batch.mask = pad(trimmed.mask, 1);
  AttentionCapture capture;
  const auto out = model.forward(batch, &capture);
  EXPECT_TRUE(torch::equal(out, model.forward(batch)));  // capturing changes nothing
  ASSERT_EQ(capture.particle_weights.size(), 2u);
  ASSERT_EQ(capture.class_weights.size(), 1u);
  const auto& w = capture.particle_weights[0];
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{2, 2, 5, 5}));
  EXPECT_TRUE(torch::allclose(w.sum(-1), torch::ones({2, 2, 5})));
  EXPECT_EQ(w.select(3, 4).abs().max().item<float>(), 0.0f);  // padded key gets no attention
  EXPECT_EQ(capture.pair_bias.sizes(), (std::vector<int64_t>{2, 2, 5, 5}));
  EXPECT_TRUE(torch::equal(capture.pair_bias, capture.pair_bias.transpose(2, 3)));
  EXPECT_EQ(capture.class_weights[0].sizes(), (std::vector<int64_t>{2, 2, 1, 6}));
}

// A kernel that attends uniformly over real keys (ignores q, k and the pair bias).
class UniformKernel : public ParticleAttentionKernel {
 public:
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, const torch::Tensor& key_padding,
                        torch::Tensor* weights_out) override {
    ++calls;
    auto w = (~key_padding).to(v.dtype()).unsqueeze(1).unsqueeze(2).expand({q.size(0), q.size(1), q.size(2), k.size(2)});
    w = w / w.sum(-1, true);
    if (weights_out) *weights_out = w;
    return torch::matmul(w, v);
  }
  std::string kind() const override { return "uniform"; }
  int calls = 0;
};

TEST(ParT, AttentionKernelCanBeSwappedPerLayer) {
  torch::manual_seed(3);
  ParticleTransformer model(tiny_config());
  model.eval();
  auto batch = random_batch(2, 5, 5);
  const auto before = model.forward(batch);
  auto uniform = std::make_shared<UniformKernel>();
  model.set_attention_kernel(1, uniform);
  EXPECT_EQ(model.attention_kernel(1)->kind(), "uniform");
  EXPECT_EQ(model.attention_kernel(0)->kind(), "softmax");
  AttentionCapture capture;
  const auto after = model.forward(batch, &capture);
  EXPECT_EQ(uniform->calls, 1);
  EXPECT_FALSE(torch::allclose(before, after));
  EXPECT_TRUE(torch::allclose(capture.particle_weights[1], torch::full({2, 2, 5, 5}, 0.2f)));
}

TEST(ParT, ListsSwappableLinears) {
  ParticleTransformer model(tiny_config());
  std::vector<std::string> paths;
  model.for_each_linear([&](const nn::LinearRef& ref) { paths.push_back(ref.path); });
  ASSERT_EQ(paths.size(), 18u);  // (2 + 1 blocks) x (q, k, v, out, fc1, fc2)
  EXPECT_EQ(paths[0], "blocks.0.q_proj");
  EXPECT_EQ(paths[17], "cls_blocks.0.fc2");
  // Swapping one changes the model's output.
  auto batch = random_batch(2, 4, 4);
  model.eval();
  const auto before = model.forward(batch);
  model.for_each_linear([&](const nn::LinearRef& ref) {
    if (ref.path == "blocks.1.fc2")
      nn::replace_linear(ref, std::make_shared<nn::DenseLinear>(torch::zeros({16, 64}), torch::zeros({16})));
  });
  EXPECT_FALSE(torch::allclose(before, model.forward(batch)));
}

}  // namespace
}  // namespace subq::models::part
