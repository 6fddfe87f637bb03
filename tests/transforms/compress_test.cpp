// Soft-rank compression, baselines and compressed checkpoints on a small model defined here
// (two blocks with an "attn" and an "mlp" part), so the transform is tested independently of
// any real architecture.
#include <gtest/gtest.h>

#include "subq/nn/factorized_linear.h"
#include "subq/nn/soft_rank_linear.h"
#include "subq/transforms/compress/calibration.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/transforms/compress/rank_chart.h"
#include "support/test_support.h"
#include "subq/transforms/compress/soft_rank.h"
#include "subq/transforms/compress/svd_baselines.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "support/test_support.h"

using namespace subq;

namespace {

struct TinyBlock : torch::nn::Module {
  TinyBlock(int64_t dim, int64_t hidden) {
    attn_proj = nn::register_linear(*attn, "proj", std::make_shared<nn::DenseLinear>(dim, dim, true));
    mlp_up = nn::register_linear(*mlp, "up", std::make_shared<nn::DenseLinear>(dim, hidden));
    mlp_down = nn::register_linear(*mlp, "down", std::make_shared<nn::DenseLinear>(hidden, dim));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = x + attn_proj->forward(x);
    return h + mlp_down->forward(torch::gelu(mlp_up->forward(h)));
  }
  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
    visit({attn.get(), "proj", prefix + ".attn.proj", &attn_proj});
    visit({mlp.get(), "up", prefix + ".mlp.up", &mlp_up});
    visit({mlp.get(), "down", prefix + ".mlp.down", &mlp_down});
  }
  std::shared_ptr<torch::nn::Module> attn = register_module("attn", std::make_shared<torch::nn::Module>());
  std::shared_ptr<torch::nn::Module> mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  std::shared_ptr<nn::LinearLayer> attn_proj, mlp_up, mlp_down;
};

struct TinyModel : torch::nn::Module {
  explicit TinyModel(uint64_t seed, int64_t dim = 16, int64_t hidden = 32) {
    torch::manual_seed(seed);
    for (int i = 0; i < 2; ++i)
      blocks.push_back(register_module("layers" + std::to_string(i), std::make_shared<TinyBlock>(dim, hidden)));
  }
  torch::Tensor forward(torch::Tensor x) {
    for (auto& b : blocks) x = b->forward(x);
    return x;
  }
  void for_each_linear(const nn::LinearVisitor& visit) {
    for (size_t i = 0; i < blocks.size(); ++i) blocks[i]->for_each_linear("layers." + std::to_string(i), visit);
  }
  int64_t parameter_count() const {
    int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
  }
  std::vector<std::shared_ptr<TinyBlock>> blocks;
};

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

std::vector<int64_t> original_sizes(const compress::LinearSlots& slots, const std::string& pattern) {
  std::vector<int64_t> n;
  for (const auto& ref : compress::chosen_linears(slots, pattern)) n.push_back((*ref.slot)->stored_parameters());
  return n;
}

class QuietProgress : public ::testing::Test {
 protected:
  void SetUp() override { Progress::set_quiet(true); }
};

}  // namespace

TEST(CompressSlots, PatternsChooseBlocksLayersAndGlobs) {
  TinyModel model(1);
  auto slots = compress::slots_of(model);
  EXPECT_EQ(compress::chosen_linears(slots, "attn").size(), 2u);
  EXPECT_EQ(compress::chosen_linears(slots, "mlp").size(), 4u);
  EXPECT_EQ(compress::chosen_linears(slots, "all").size(), 6u);
  EXPECT_EQ(compress::chosen_linears(slots, "attn,mlp").size(), 6u);
  EXPECT_EQ(compress::chosen_linears(slots, "layers.1.*").size(), 3u);
  EXPECT_EQ(compress::chosen_linears(slots, "up").size(), 2u);
  EXPECT_THROW(compress::chosen_linears(slots, "nothing"), Error);
}

TEST_F(QuietProgress, ExportedTwoLinearFormMatchesSoftRankForm) {
  TinyModel model(2);
  auto slots = compress::slots_of(model);
  auto before = original_sizes(slots, "all");
  auto layers = compress::convert_to_soft_rank(slots, "all", 0.3);
  auto x = torch::randn({5, 16});
  torch::Tensor soft_out;
  {
    torch::NoGradGuard no_grad;
    soft_out = model.forward(x);
  }
  auto report = compress::export_soft_rank(layers, before);
  ASSERT_EQ(report.size(), 6u);
  for (const auto& l : report) {
    EXPECT_LT(l.rank, std::min(l.in_features, l.out_features)) << l.path;  // 0.3 cuts something
    EXPECT_GE(l.rank, 1);
  }
  model.for_each_linear([](const nn::LinearRef& ref) {
    EXPECT_EQ(std::dynamic_pointer_cast<nn::SoftRankLinear>(*ref.slot), nullptr) << ref.path;
  });
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(model.forward(x), soft_out), 1e-5);
}

TEST_F(QuietProgress, ZeroThresholdConversionKeepsTheModelsOutputs) {
  TinyModel model(3), reference(3);
  auto layers = compress::convert_to_soft_rank(compress::slots_of(model), "all", 0.0);
  auto x = torch::randn({4, 16});
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(model.forward(x), reference.forward(x)), 1e-5);
}

TEST_F(QuietProgress, BudgetPenaltyMovesParameterCountToTheTarget) {
  TinyModel model(4), teacher(4);
  auto slots = compress::slots_of(model);
  auto layers = compress::convert_to_soft_rank(slots, "all", 0.01);
  std::vector<std::shared_ptr<nn::SoftRankLinear>> modules;
  for (auto& l : layers) modules.push_back(l.layer);
  compress::BudgetPenalty budget(modules, 0.5);
  const double start = budget.exported_parameters();
  EXPECT_GT(start, budget.target_parameters());

  compress::SoftRankTraining options;
  options.target_reduction = 0.5;
  options.steps = 150;
  options.lr_threshold = 0.1;
  options.annealing.lambda_start = 10;
  options.annealing.lambda_end = 500;
  torch::manual_seed(5);
  auto data = torch::randn({64, 16});
  torch::Tensor targets;
  {
    torch::NoGradGuard no_grad;
    targets = teacher.forward(data);
  }
  auto history = compress::train_soft_rank(
      layers, [&](int64_t) { return torch::mse_loss(model.forward(data), targets); }, options);
  ASSERT_EQ(history.size(), 150u);
  // The penalty alone drives the count down: the end sits near the target, far below start.
  const double end = budget.exported_parameters();
  EXPECT_LT(end, start);
  EXPECT_LT(end, 1.15 * budget.target_parameters());
  EXPECT_LT(history.back().smooth_parameters, history.front().smooth_parameters);
  // Enforcing then makes the hard count meet the budget exactly.
  compress::enforce_budget(layers, 0.5);
  EXPECT_LE(budget.exported_parameters(), budget.target_parameters());
  for (auto& l : modules) EXPECT_GE(l->rank(), 1);
}

TEST_F(QuietProgress, EnforceBudgetMeetsEveryTarget) {
  for (double target : {0.3, 0.5, 0.8}) {
    TinyModel model(6);
    auto layers = compress::convert_to_soft_rank(compress::slots_of(model), "all", 0.0);
    std::vector<std::shared_ptr<nn::SoftRankLinear>> modules;
    for (auto& l : layers) modules.push_back(l.layer);
    compress::BudgetPenalty budget(modules, target);
    compress::enforce_budget(layers, target);
    EXPECT_LE(budget.exported_parameters(), budget.target_parameters()) << target;
    EXPECT_GT(budget.exported_parameters(), 0.5 * budget.target_parameters()) << target;
  }
}

TEST_F(QuietProgress, ExportedCheckpointReloadsToIdenticalOutputs) {
  test::TempDir dir;
  TinyModel model(7);
  auto slots = compress::slots_of(model);
  auto before = original_sizes(slots, "mlp");
  auto layers = compress::convert_to_soft_rank(slots, "mlp", 0.25);
  auto report = compress::export_soft_rank(layers, before);
  compress::CompressedManifest manifest;
  manifest.base_model = "tiny.bin";
  manifest.method = "softrank";
  manifest.layers = "mlp";
  manifest.target_reduction = 0.5;
  manifest.compressed = report;
  manifest.summary = compress::summarize(report, model.parameter_count());
  compress::save_compressed_checkpoint(dir.path(), slots, manifest);
  ASSERT_TRUE(compress::is_compressed_checkpoint(dir.path()));

  TinyModel reloaded(7);  // the same base weights
  auto m = compress::apply_compressed_checkpoint(compress::slots_of(reloaded), dir.path());
  EXPECT_EQ(m.method, "softrank");
  EXPECT_EQ(m.base_model, (dir.path() / "tiny.bin").string());
  ASSERT_EQ(m.compressed.size(), 4u);
  for (size_t i = 0; i < report.size(); ++i) EXPECT_EQ(m.compressed[i].rank, report[i].rank);
  auto x = torch::randn({3, 16});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(model.forward(x), reloaded.forward(x)));
}

// What a model loader returns, as load_maybe_compressed expects: a `model` pointer.
struct LoadedTiny {
  std::shared_ptr<TinyModel> model;
  std::filesystem::path from;
};

TEST_F(QuietProgress, LoadMaybeCompressedLoadsTheBaseThenSwapsTheLayers) {
  test::TempDir dir;
  const auto ckpt = dir / "compressed", other = dir / "compressed_twice";
  TinyModel model(7);
  auto slots = compress::slots_of(model);
  compress::CompressedManifest manifest;
  manifest.method = "svd";
  manifest.base_model = "../base.bin";  // relative to the checkpoint
  manifest.compressed = compress::truncate_uniform(slots, "mlp", 0.5);
  compress::save_compressed_checkpoint(ckpt, slots, manifest);
  auto load = [](const std::filesystem::path& p) { return LoadedTiny{std::make_shared<TinyModel>(7), p}; };

  // A plain model goes straight to the loader.
  EXPECT_EQ(compress::load_maybe_compressed(dir / "base.bin", load).from, dir / "base.bin");
  // The base must exist ...
  try {
    compress::load_maybe_compressed(ckpt, load);
    FAIL() << "expected an error for the missing base";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  write_text_atomically(dir / "base.bin", "weights");
  compress::CompressedManifest read_back;
  auto loaded = compress::load_maybe_compressed(ckpt, load, &read_back);
  EXPECT_EQ(loaded.from, (dir / "base.bin").lexically_normal());
  EXPECT_EQ(read_back.method, "svd");
  auto x = torch::randn({3, 16});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(loaded.model->forward(x), model.forward(x)));
  EXPECT_FALSE(torch::equal(loaded.model->forward(x), TinyModel(7).forward(x)));
  // ... and must not be a compressed checkpoint itself.
  manifest.base_model = ckpt.string();
  compress::save_compressed_checkpoint(other, slots, manifest);
  try {
    compress::load_maybe_compressed(other, load);
    FAIL() << "expected an error for a compressed base";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("itself compressed"), std::string::npos) << e.what();
  }
}

TEST_F(QuietProgress, CorruptCheckpointsFailWithClearErrors) {
  test::TempDir dir;
  TinyModel model(8);
  auto slots = compress::slots_of(model);
  auto report = compress::truncate_uniform(slots, "all", 0.5);
  compress::CompressedManifest manifest;
  manifest.method = "svd";
  manifest.compressed = report;
  compress::save_compressed_checkpoint(dir.path(), slots, manifest);
  const auto good = read_file(dir / "manifest.json");

  TinyModel target(8);
  write_text_atomically(dir / "manifest.json", "{not json");
  EXPECT_THROW(compress::apply_compressed_checkpoint(compress::slots_of(target), dir.path()), Error);
  write_text_atomically(dir / "manifest.json", R"({"format": "something-else"})");
  EXPECT_THROW(compress::apply_compressed_checkpoint(compress::slots_of(target), dir.path()), Error);
  // A layer path the model does not have.
  auto renamed = good;
  renamed.replace(renamed.find("layers.0.attn.proj"), 18, "layers.9.attn.proj");
  write_text_atomically(dir / "manifest.json", renamed);
  EXPECT_THROW(compress::apply_compressed_checkpoint(compress::slots_of(target), dir.path()), Error);
  // Truncated tensor file.
  write_text_atomically(dir / "manifest.json", good);
  auto bytes = read_file(dir / "layers.safetensors");
  write_text_atomically(dir / "layers.safetensors", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(compress::apply_compressed_checkpoint(compress::slots_of(target), dir.path()), Error);
}

TEST(CompressBaselines, UniformRankIsTheLargestThatFitsTheBudget) {
  // 16x16 (break-even 8) and 32x16 (break-even 10).
  std::vector<compress::LayerShape> shapes{{16, 16}, {16, 32}};
  auto cost = [&](int64_t r) {
    int64_t c = 0;
    for (auto& l : shapes)
      c += r < nn::break_even_rank(l.in_features, l.out_features) ? r * (l.in_features + l.out_features)
                                                                   : l.in_features * l.out_features;
    return c;
  };
  for (double target : {0.2, 0.5, 0.8}) {
    const auto r = compress::uniform_rank_for_budget(shapes, target);
    const double budget = (1 - target) * (16 * 16 + 16 * 32);
    EXPECT_LE(cost(r), budget) << target;
    EXPECT_GT(cost(r + 1), budget) << target;
  }
  // Budget 384: rank 4 costs 4*32 + 4*48 = 320, rank 5 costs 400.
  EXPECT_EQ(compress::uniform_rank_for_budget(shapes, 0.5), 4);
}

TEST(CompressBaselines, TruncatedSvdMatchesTheBestRankRApproximation) {
  TinyModel model(9);
  auto slots = compress::slots_of(model);
  auto original = model.blocks[0]->mlp_up->effective_weight().clone();
  auto report = compress::truncate_uniform(slots, "layers.0.mlp.up", 0.5);
  ASSERT_EQ(report.size(), 1u);
  const int64_t r = report[0].rank;
  auto [u, s, v] = nn::thin_svd(original);
  auto best = torch::matmul(u.narrow(1, 0, r) * s.narrow(0, 0, r), v.narrow(1, 0, r).t());
  EXPECT_LT(max_abs_diff(model.blocks[0]->mlp_up->effective_weight(), best), 1e-5);
  EXPECT_TRUE(report[0].factorized);
  EXPECT_LE(report[0].parameters_after, 0.5 * report[0].parameters_before);
}

TEST(CompressBaselines, ActivationAwareSvdBeatsPlainSvdOnCalibrationInputs) {
  // Inputs with very unequal scales per direction: whitening should keep what matters for
  // the outputs, plain SVD keeps what is large in the weight.
  TinyModel plain(10), aware(10), reference(10);
  torch::manual_seed(11);
  auto scales = torch::logspace(-2, 1, 16);
  auto inputs = torch::randn({256, 16}) * scales;
  auto stats = compress::collect_input_statistics(compress::slots_of(aware), "layers.0.attn.proj", [&] {
    torch::NoGradGuard no_grad;
    aware.forward(inputs);
  });
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats.begin()->second.rows, 256);
  // The recorder is gone again after calibration.
  EXPECT_NE(std::dynamic_pointer_cast<nn::DenseLinear>(aware.blocks[0]->attn_proj), nullptr);

  // Full-rank whitened SVD reconstructs the weight.
  auto w = aware.blocks[0]->attn_proj->effective_weight();
  auto [u, s, v] = compress::whitened_svd(w, stats.begin()->second);
  EXPECT_LT(max_abs_diff(torch::matmul(u * s, v.t()), w), 1e-4);

  compress::truncate_uniform(compress::slots_of(plain), "layers.0.attn.proj", 0.6);
  compress::truncate_uniform(compress::slots_of(aware), "layers.0.attn.proj", 0.6, &stats);
  torch::NoGradGuard no_grad;
  auto target = reference.blocks[0]->attn_proj->forward(inputs);
  const double err_plain = (plain.blocks[0]->attn_proj->forward(inputs) - target).pow(2).sum().item<double>();
  const double err_aware = (aware.blocks[0]->attn_proj->forward(inputs) - target).pow(2).sum().item<double>();
  EXPECT_LT(err_aware, 0.5 * err_plain);
}

TEST_F(QuietProgress, StartAtBudgetGivesTheHardTruncationWithinBudget) {
  TinyModel model(12), reference(12);
  auto layers = compress::convert_to_soft_rank(compress::slots_of(model), "all", 0.01);
  compress::start_at_budget(layers, 0.5);
  std::vector<std::shared_ptr<nn::SoftRankLinear>> modules;
  for (auto& l : layers) modules.push_back(l.layer);
  compress::BudgetPenalty budget(modules, 0.5);
  EXPECT_LE(budget.exported_parameters(), budget.target_parameters());
  std::vector<std::shared_ptr<nn::LinearLayer>> originals;
  reference.for_each_linear([&](const nn::LinearRef& ref) { originals.push_back(*ref.slot); });
  for (size_t i = 0; i < layers.size(); ++i) {
    const int64_t r = layers[i].layer->rank();
    auto [u, s, v] = nn::thin_svd(originals[i]->effective_weight());
    auto truncated = torch::matmul(u.narrow(1, 0, r) * s.narrow(0, 0, r), v.narrow(1, 0, r).t());
    EXPECT_LT(max_abs_diff(layers[i].layer->effective_weight(), truncated), 1e-4) << layers[i].ref.path;
  }
}

TEST(RankChart, WritesPngAndSvgAndRejectsNoLayers) {
  test::TempDir dir;
  std::vector<compress::CompressedLayer> layers;
  for (int block = 0; block < 3; ++block)
    for (const char* kind : {"q_proj", "up_proj"})
      layers.push_back({fmt::format("layers.{}.{}", block, kind), 64, 32, 8 + block, true, true, false, 0, 0});
  compress::write_rank_chart(dir / "ranks.png", layers, "test");
  compress::write_rank_chart(dir / "ranks.svg", layers, "test");
  EXPECT_EQ(read_file(dir / "ranks.png").substr(1, 3), "PNG");
  EXPECT_NE(read_file(dir / "ranks.svg").find("<svg"), std::string::npos);
  EXPECT_THROW(compress::write_rank_chart(dir / "empty.png", {}, "none"), Error);
}
