// ReduceLROnPlateau: multiplies every param group's learning rate by `factor` when the
// monitored loss has not improved (by more than a relative 1e-4) for `patience` checks,
// never going below `min_lr`. Mirrors torch.optim.lr_scheduler.ReduceLROnPlateau (mode min).
#pragma once
#include <torch/torch.h>

#include "subq/train/early_stopping.h"

namespace subq::train {

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(torch::optim::Optimizer& optimizer, double factor = 0.1, int patience = 10,
                    double min_lr = 1e-5);
  // Returns true when `loss` is the best seen so far (callers keep that checkpoint).
  bool step(double loss);
  double best() const { return tracker_.best(); }
  double current_lr() const;
  int bad_checks() const { return tracker_.bad_checks(); }
  // For resuming: restore the scheduler's counters.
  void restore(double best, int bad) { tracker_.restore(best, bad); }

 private:
  torch::optim::Optimizer& optimizer_;
  double factor_, min_lr_;
  int patience_;
  ValidationTracker tracker_{1e-4};  // torch's default threshold: relative 1e-4
};

// Sets the learning rate of every param group (AdamW, Adam, SGD, RMSprop options).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);
double get_learning_rate(torch::optim::Optimizer& optimizer);

}  // namespace subq::train
