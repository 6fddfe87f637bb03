#include "subq/train/early_stopping.h"

namespace subq::train {

bool ValidationTracker::record(double loss) {
  if (loss < best_ * (1.0 - threshold_)) {
    best_ = loss;
    bad_ = 0;
    return true;
  }
  ++bad_;
  return false;
}

EpochLoopResult run_epochs(const EpochLoop& loop, const std::function<double(int64_t epoch)>& run_epoch,
                           const std::function<void(int64_t epoch)>& on_best) {
  ValidationTracker tracker(0.0, loop.initial_best);
  EpochLoopResult result;
  result.best_loss = loop.initial_best;
  for (int64_t epoch = 1; epoch <= loop.epochs; ++epoch) {
    const double loss = run_epoch(epoch);
    result.epochs_run = epoch;
    if (tracker.record(loss)) {
      result.best_loss = loss;
      result.best_epoch = epoch;
      on_best(epoch);
    } else if (tracker.bad_checks() >= loop.patience) {
      result.stopped_early = true;
      break;
    }
    if (loop.out_of_time && loop.out_of_time()) {
      result.stopped_early = true;
      break;
    }
  }
  return result;
}

}  // namespace subq::train
