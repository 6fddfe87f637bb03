#include "subq/train/resumable_trainer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>

#include "subq/nn/linear.h"
#include "subq/train/collectives.h"
#include "subq/train/distributed.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "support/test_support.h"

namespace subq::train {
namespace {

// A regression problem small enough to train in milliseconds: y = x W*^T + noise.
struct Problem {
  torch::Tensor x, y;
  explicit Problem(torch::Device device = torch::kCPU) {
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(11);
    x = torch::randn({64, 6}, gen);
    y = torch::matmul(x, torch::randn({4, 6}, gen).t()) + 0.1 * torch::randn({64, 4}, gen);
    x = x.to(device);
    y = y.to(device);
  }
  // Examples 0..47 train, 48..63 validate.
  ExampleLoss loss(nn::DenseLinear& model) const {
    return [this, &model](const std::vector<int64_t>& idx, bool validation) {
      auto i = torch::tensor(idx, torch::kInt64).to(x.device()) + (validation ? 48 : 0);
      auto err = model.forward(x.index_select(0, i)) - y.index_select(0, i);
      return LossSum{err.pow(2).sum(), static_cast<double>(err.numel()), static_cast<int64_t>(idx.size())};
    };
  }
};

std::shared_ptr<nn::DenseLinear> fresh_model(torch::Device device = torch::kCPU) {
  torch::manual_seed(5);
  auto model = std::make_shared<nn::DenseLinear>(6, 4, true);
  model->to(device);
  return model;
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

// Rank r of a data-parallel group trains on devices[r] (one thread per rank here, each with its
// own group over a shared FileStore); the ranks must agree exactly, and match one process on
// devices[0] that sees the same global batches.
void expect_ranks_match_one_process(const std::vector<torch::Device>& devices) {
  test::TempDir dir;
  const Problem on_first(devices[0]);
  auto reference = fresh_model(devices[0]);
  ProcessGroup single;
  ResumableTrainer(*reference, config(""), single).run(48, 16, on_first.loss(*reference));

  const int world = static_cast<int>(devices.size());
  std::vector<std::shared_ptr<nn::DenseLinear>> models;
  for (const auto& d : devices) models.push_back(fresh_model(d));
  std::vector<std::string> errors(world);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < world; ++rank)
    ranks.emplace_back([&, rank] {
      try {
        const Problem here(devices[rank]);
        auto group = ProcessGroup::with_file_store((dir / "store").string(), rank, world, devices[rank]);
        ResumableTrainer(*models[rank], config(""), *group).run(48, 16, here.loss(*models[rank]));
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& t : ranks) t.join();
  for (int rank = 0; rank < world; ++rank) {
    ASSERT_EQ(errors[rank], "") << "rank " << rank;
    EXPECT_TRUE(torch::equal(models[rank]->weight.cpu(), models[0]->weight.cpu())) << "rank " << rank;
  }
  EXPECT_TRUE(torch::allclose(models[0]->weight.cpu(), reference->weight.cpu(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(models[0]->bias.cpu(), reference->bias.cpu(), 1e-5, 1e-6));
}

TEST_F(ResumableTrainerTest, TwoRanksMatchOneProcessWithTheSameGlobalBatch) {
  if (!gloo_built()) GTEST_SKIP() << "this build has no Gloo (a pip LibTorch ships no gloo headers)";
  expect_ranks_match_one_process({torch::kCPU, torch::kCPU});
}

// The devices this build can train on with a communication backend: the CPU (Gloo, in the
// Debian build) and, in a CUDA build with NCCL on a machine with a GPU, the first GPU.
std::vector<torch::Device> backend_devices() {
  std::vector<torch::Device> devices;
  if (gloo_built()) devices.emplace_back(torch::kCPU);
  if (nccl_built() && torch::cuda::is_available()) devices.emplace_back(torch::kCUDA, 0);
  return devices;
}

// A real backend with one rank sums nothing, so the run must equal the one without a group
// bit for bit; what differs is the path (float64 buffer on the backend's device, the CPU loss
// statistics moved there and back, Gloo or NCCL).
TEST_F(ResumableTrainerTest, OneRankBackendTrainsExactlyLikeNoGroup) {
  if (backend_devices().empty()) GTEST_SKIP() << "this build has neither Gloo nor NCCL with a GPU";
  for (const auto device : backend_devices()) {
    SCOPED_TRACE(device.str());
    test::TempDir dir;
    const Problem on_device(device);
    auto reference = fresh_model(device);
    ResumableTrainer(*reference, config(""), single).run(48, 16, on_device.loss(*reference));
    auto group = ProcessGroup::with_file_store((dir / "store").string(), 0, 1, device);
    EXPECT_EQ(group->device(), device);
    auto model = fresh_model(device);
    ResumableTrainer(*model, config(""), *group).run(48, 16, on_device.loss(*model));
    EXPECT_TRUE(torch::equal(model->weight, reference->weight));
    EXPECT_TRUE(torch::equal(model->bias, reference->bias));
    // Tensors on another device than the group's are reduced there and copied back.
    auto cpu_part = torch::arange(5, torch::kFloat32);
    group->all_reduce_sum({cpu_part, model->weight.detach()});
    EXPECT_TRUE(torch::equal(cpu_part, torch::arange(5, torch::kFloat32)));
    EXPECT_EQ(group->all_reduce_sum(2.5), 2.5);
  }
}

// NCCL refuses two ranks on one GPU, so N CUDA processes need N GPUs and an NCCL build; the
// launcher says so before starting anything.
TEST(LocalWorkers, CudaNeedsNcclAndOneGpuPerProcess) {
  if (gloo_built()) EXPECT_NO_THROW(check_local_workers(2, torch::kCPU));
  EXPECT_NO_THROW(check_local_workers(1, torch::kCUDA));
  const int gpus = static_cast<int>(torch::cuda::device_count());
  try {
    check_local_workers(std::max(gpus + 1, 2), torch::kCUDA);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(nccl_built() ? "one process per GPU" : "has none"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(check_local_workers(2, torch::Device(torch::kCUDA, 0)), Error);
  EXPECT_THROW(check_local_workers(0, torch::kCPU), Error);
}

// The data-parallel test of the NCCL path; it needs two GPUs (NCCL cannot put two ranks on one).
TEST_F(ResumableTrainerTest, TwoRanksOnTwoGpusMatchOneProcess) {
  if (!nccl_built() || torch::cuda::device_count() < 2)
    GTEST_SKIP() << "needs an NCCL build and 2 GPUs (" << torch::cuda::device_count() << " visible)";
  expect_ranks_match_one_process({torch::Device(torch::kCUDA, 0), torch::Device(torch::kCUDA, 1)});
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
