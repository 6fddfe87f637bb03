#include "subq/train/plateau.h"

#include <gtest/gtest.h>

#include "subq/io/module_io.h"
#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;

TEST(Plateau, ReducesAfterPatienceAndRespectsFloor) {
  auto w = torch::zeros({1}, torch::requires_grad());
  torch::optim::AdamW opt({w}, torch::optim::AdamWOptions(1e-2));
  train::ReduceLROnPlateau sched(opt, 0.1, 2, 1e-4);
  EXPECT_TRUE(sched.step(1.0));
  EXPECT_FALSE(sched.step(1.0));
  EXPECT_FALSE(sched.step(1.0));
  EXPECT_DOUBLE_EQ(sched.current_lr(), 1e-2);
  EXPECT_FALSE(sched.step(1.0));  // third bad check > patience 2
  EXPECT_NEAR(sched.current_lr(), 1e-3, 1e-12);
  for (int i = 0; i < 20; ++i) sched.step(2.0);
  EXPECT_NEAR(sched.current_lr(), 1e-4, 1e-12);
}

TEST(ModuleIo, SaveLoadRestoresExactValuesAndChecksShapes) {
  test::TempDir dir;
  torch::nn::Sequential a(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3));
  torch::nn::Sequential b(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3));
  a->train();
  a->forward(torch::randn({8, 4}));  // updates running stats (buffers)
  io::save_module(*a, dir / "m.safetensors", {{"config", "{}"}});
  io::load_module(*b, dir / "m.safetensors");
  a->eval();
  b->eval();
  const auto x = torch::randn({5, 4});
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
  torch::nn::Sequential c(torch::nn::Linear(4, 2), torch::nn::BatchNorm1d(2));
  EXPECT_THROW(io::load_module(*c, dir / "m.safetensors"), Error);
}
