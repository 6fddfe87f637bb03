// Model selection on a validation split, shared by every trainer in subq:
//
// - ValidationTracker: the best validation loss so far and how many checks in a row failed
//   to beat it (by more than a relative threshold). ReduceLROnPlateau (LM trainer) builds on
//   it with torch's threshold 1e-4; the epoch loop below uses threshold 0 (strictly lower).
// - run_epochs: the epoch loop with early stopping of the epoch-based trainers
//   (SupervisedTrainer for bio, train_jet_tagger and transfer_attention for jets). Epochs are
//   numbered 1..epochs; run_epoch(epoch) trains one and returns its validation loss;
//   on_best(epoch) keeps the weights of a new best; the loop stops after `patience` epochs in
//   a row without a new best, or when out_of_time() answers true after an epoch.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>

namespace subq::train {

class ValidationTracker {
 public:
  explicit ValidationTracker(double relative_threshold = 0,
                             double initial_best = std::numeric_limits<double>::infinity())
      : threshold_(relative_threshold), best_(initial_best) {}
  // Records one validation loss; true when it is a new best (loss < best * (1 - threshold)),
  // which resets the count of bad checks; otherwise that count grows by one.
  bool record(double loss);
  double best() const { return best_; }
  int bad_checks() const { return bad_; }
  void reset_bad_checks() { bad_ = 0; }
  // For resuming: the counters as they were.
  void restore(double best, int bad) { best_ = best; bad_ = bad; }

 private:
  double threshold_, best_;
  int bad_ = 0;
};

struct EpochLoop {
  int64_t epochs = 0;    // at most this many epochs
  int64_t patience = 1;  // epochs in a row without a new best before stopping
  // The loss an epoch must beat to count as a new best (default: any finite loss does).
  double initial_best = std::numeric_limits<double>::infinity();
  std::function<bool()> out_of_time;  // optional; asked after each epoch
};

struct EpochLoopResult {
  int64_t best_epoch = 0;  // 0 when no epoch beat initial_best
  int64_t epochs_run = 0;
  double best_loss = std::numeric_limits<double>::infinity();  // initial_best if none beat it
  bool stopped_early = false;  // stopped by patience or out_of_time
};

EpochLoopResult run_epochs(const EpochLoop& loop, const std::function<double(int64_t epoch)>& run_epoch,
                           const std::function<void(int64_t epoch)>& on_best);

}  // namespace subq::train
