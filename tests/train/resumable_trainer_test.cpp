#include "subq/train/resumable_trainer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>

#include "subq/nn/linear.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "support/test_support.h"

namespace subq::train {
namespace {

// A regression problem small enough to train in milliseconds: y = x W*^T + noise.
struct Problem {
  torch::Tensor x, y;
  Problem() {
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(11);
    x = torch::randn({64, 6}, gen);
    y = torch::matmul(x, torch::randn({4, 6}, gen).t()) + 0.1 * torch::randn({64, 4}, gen);
  }
  // Examples 0..47 train, 48..63 validate.
  ExampleLoss loss(nn::DenseLinear& model) const {
    return [this, &model](const std::vector<int64_t>& idx, bool validation) {
      auto i = torch::tensor(idx, torch::kInt64) + (validation ? 48 : 0);
      auto err = model.forward(x.index_select(0, i)) - y.index_select(0, i);
      return LossSum{err.pow(2).sum(), static_cast<double>(err.numel()), static_cast<int64_t>(idx.size())};
    };
  }
};

std::shared_ptr<nn::DenseLinear> fresh_model() {
  torch::manual_seed(5);
  return std::make_shared<nn::DenseLinear>(6, 4, true);
}

TrainerConfig config(const std::filesystem::path& checkpoint) {
  TrainerConfig c;
  c.max_steps = 12;
  c.batch_size = 8;
  c.lr = 0.05;
  c.eval_every = 3;
  c.plateau_patience = 1;
  c.checkpoint = checkpoint;
  c.label = "test";
  return c;
}

class ResumableTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override { Progress::set_quiet(true); }
  Problem problem;
  ProcessGroup single;
};

TEST_F(ResumableTrainerTest, TrainingReducesValidationLossAndKeepsBest) {
  auto model = fresh_model();
  auto c = config("");
  const double before = [&] {
    torch::NoGradGuard g;
    auto ls = problem.loss(*model)({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, true);
    return ls.sum.item<double>() / ls.count;
  }();
  auto r = ResumableTrainer(*model, c, single).run(48, 16, problem.loss(*model));
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.progress.step, 12);
  EXPECT_EQ(r.trainable_parameters, 28);
  EXPECT_LT(r.progress.best_val, 0.5 * before);
  // The model ends holding the parameters of the best validation check.
  torch::NoGradGuard g;
  auto ls = problem.loss(*model)({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, true);
  EXPECT_NEAR(ls.sum.item<double>() / ls.count, r.progress.best_val, 1e-6);
}

TEST_F(ResumableTrainerTest, ResumeAfterInterruptionReproducesUninterruptedRun) {
  test::TempDir dir;
  auto straight = fresh_model();
  ResumableTrainer(*straight, config(dir / "a.safetensors"), single).run(48, 16, problem.loss(*straight));

  // Interrupted after 5 steps: the last checkpoint is from step 3, steps 4-5 are lost.
  auto c = config(dir / "b.safetensors");
  c.stop_after_steps = 5;
  auto first = fresh_model();
  auto r1 = ResumableTrainer(*first, c, single).run(48, 16, problem.loss(*first));
  EXPECT_FALSE(r1.finished);
  // A new process: fresh model with other weights, same command.
  torch::manual_seed(99);
  auto resumed = std::make_shared<nn::DenseLinear>(6, 4, true);
  c.stop_after_steps = -1;
  auto r2 = ResumableTrainer(*resumed, c, single).run(48, 16, problem.loss(*resumed));
  EXPECT_TRUE(r2.finished);
  EXPECT_TRUE(torch::equal(resumed->weight, straight->weight));
  EXPECT_TRUE(torch::equal(resumed->bias, straight->bias));

  // Another configuration must not silently continue this checkpoint.
  c.lr = 0.01;
  EXPECT_THROW(ResumableTrainer(*resumed, c, single).run(48, 16, problem.loss(*resumed)), Error);
}

TEST_F(ResumableTrainerTest, TwoRanksMatchOneProcessWithTheSameGlobalBatch) {
  test::TempDir dir;
  auto reference = fresh_model();
  ResumableTrainer(*reference, config(""), single).run(48, 16, problem.loss(*reference));

  // Two ranks (threads here, each with its own Gloo group over a shared FileStore).
  std::vector<std::shared_ptr<nn::DenseLinear>> models{fresh_model(), fresh_model()};
  std::vector<std::string> errors(2);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.emplace_back([&, rank] {
      try {
        auto group = ProcessGroup::with_file_store((dir / "store").string(), rank, 2);
        ResumableTrainer(*models[rank], config(""), *group).run(48, 16, problem.loss(*models[rank]));
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  EXPECT_TRUE(torch::equal(models[0]->weight, models[1]->weight));  // ranks agree exactly
  EXPECT_TRUE(torch::allclose(models[0]->weight, reference->weight, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(models[0]->bias, reference->bias, 1e-5, 1e-6));
}

TEST_F(ResumableTrainerTest, CorruptCheckpointIsAClearError) {
  test::TempDir dir;
  {
    std::ofstream f(dir / "bad.safetensors");
    f << "garbage";
  }
  auto model = fresh_model();
  EXPECT_THROW(ResumableTrainer(*model, config(dir / "bad.safetensors"), single).run(48, 16, problem.loss(*model)),
               Error);
}

}  // namespace
}  // namespace subq::train
