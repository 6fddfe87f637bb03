// The one early-stopping piece every trainer uses (train/early_stopping.h).
#include "subq/train/early_stopping.h"

#include <gtest/gtest.h>

#include <vector>

namespace subq::train {
namespace {

// Runs the loop over fixed validation losses; returns the epochs on_best saw.
std::vector<int64_t> bests_of(const std::vector<double>& losses, EpochLoop loop, EpochLoopResult* result) {
  std::vector<int64_t> bests;
  loop.epochs = static_cast<int64_t>(losses.size());
  *result = run_epochs(loop, [&](int64_t epoch) { return losses.at(epoch - 1); },
                       [&](int64_t epoch) { bests.push_back(epoch); });
  return bests;
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutANewBest) {
  EpochLoop loop;
  loop.patience = 2;
  EpochLoopResult r;
  // 1.0 (best) 0.5 (best) 0.5 (equal is not better) 0.7 -> two bad epochs: stop after epoch 4.
  EXPECT_EQ(bests_of({1.0, 0.5, 0.5, 0.7, 0.1}, loop, &r), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r.epochs_run, 4);
  EXPECT_EQ(r.best_epoch, 2);
  EXPECT_DOUBLE_EQ(r.best_loss, 0.5);
  EXPECT_TRUE(r.stopped_early);
  // A new best resets the count.
  EXPECT_EQ(bests_of({1.0, 1.1, 0.9, 1.2, 0.8}, loop, &r), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(r.epochs_run, 5);
  EXPECT_FALSE(r.stopped_early);
}

TEST(EarlyStopping, InitialBestAndOutOfTime) {
  EpochLoop loop;
  loop.patience = 5;
  loop.initial_best = 0.3;  // epochs must beat this
  EpochLoopResult r;
  EXPECT_TRUE(bests_of({0.4, 0.35}, loop, &r).empty());
  EXPECT_EQ(r.best_epoch, 0);
  EXPECT_DOUBLE_EQ(r.best_loss, 0.3);
  int asked = 0;
  loop.initial_best = std::numeric_limits<double>::infinity();
  loop.out_of_time = [&] { return ++asked == 2; };
  EXPECT_EQ(bests_of({3, 2, 1}, loop, &r), (std::vector<int64_t>{1, 2}));  // the best epoch still counts
  EXPECT_EQ(r.epochs_run, 2);
  EXPECT_TRUE(r.stopped_early);
}

TEST(EarlyStopping, TrackerThresholdIsRelative) {
  ValidationTracker strict;
  EXPECT_TRUE(strict.record(1.0));
  EXPECT_TRUE(strict.record(0.99999));
  ValidationTracker torch_like(1e-4);  // ReduceLROnPlateau's threshold
  EXPECT_TRUE(torch_like.record(1.0));
  EXPECT_FALSE(torch_like.record(0.99999));  // not 1e-4 better
  EXPECT_EQ(torch_like.bad_checks(), 1);
  EXPECT_TRUE(torch_like.record(0.9));
  EXPECT_EQ(torch_like.bad_checks(), 0);
  torch_like.restore(0.5, 3);
  EXPECT_DOUBLE_EQ(torch_like.best(), 0.5);
  EXPECT_EQ(torch_like.bad_checks(), 3);
}

}  // namespace
}  // namespace subq::train
