// ReduceLROnPlateau: multiplies every param group's learning rate by `factor` when the
// monitored loss has not improved (by more than a relative 1e-4) for `patience` checks,
// never going below `min_lr`. Mirrors torch.optim.lr_scheduler.ReduceLROnPlateau (mode min).
#pragma once
#include <limits>

#include <torch/torch.h>

namespace subq::train {

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(torch::optim::Optimizer& optimizer, double factor = 0.1, int patience = 10,
                    double min_lr = 1e-5);
  // Returns true when `loss` is the best seen so far (callers keep that checkpoint).
  bool step(double loss);
  double best() const { return best_; }
  double current_lr() const;
  int bad_checks() const { return bad_; }
  // For resuming: restore the scheduler's counters.
  void restore(double best, int bad) { best_ = best; bad_ = bad; }

 private:
  torch::optim::Optimizer& optimizer_;
  double factor_, min_lr_;
  int patience_, bad_ = 0;
  double best_ = std::numeric_limits<double>::infinity();
};

// Sets the learning rate of every param group (AdamW, Adam, SGD, RMSprop options).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);
double get_learning_rate(torch::optim::Optimizer& optimizer);

}  // namespace subq::train
