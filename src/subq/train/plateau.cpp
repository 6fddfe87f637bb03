#include "subq/train/plateau.h"

#include <algorithm>

#include "subq/util/error.h"

namespace subq::train {

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

double get_learning_rate(torch::optim::Optimizer& optimizer) {
  SUBQ_CHECK(!optimizer.param_groups().empty(), "optimizer has no parameter groups");
  return optimizer.param_groups().front().options().get_lr();
}

ReduceLROnPlateau::ReduceLROnPlateau(torch::optim::Optimizer& optimizer, double factor,
                                     int patience, double min_lr)
    : optimizer_(optimizer), factor_(factor), min_lr_(min_lr), patience_(patience) {}

double ReduceLROnPlateau::current_lr() const {
  return get_learning_rate(const_cast<torch::optim::Optimizer&>(optimizer_));
}

bool ReduceLROnPlateau::step(double loss) {
  if (tracker_.record(loss)) return true;
  if (tracker_.bad_checks() > patience_) {
    set_learning_rate(optimizer_, std::max(min_lr_, current_lr() * factor_));
    tracker_.reset_bad_checks();
  }
  return false;
}

}  // namespace subq::train
