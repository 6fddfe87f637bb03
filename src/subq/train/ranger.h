// "Ranger" = RAdam wrapped in Lookahead, the optimizer weaver uses for ParT:
// Lookahead(RAdam(params, lr, betas=(0.95, 0.999), eps=1e-5), alpha=0.5, k=6).
// RAdam follows torch.optim.RAdam (Liu et al. 2019): plain momentum SGD while the variance
// estimate is unreliable (rho_t <= 5), rectified Adam afterwards. Lookahead keeps slow
// weights and every k steps moves them alpha of the way to the fast ones, then resets the fast.
#pragma once
#include <vector>

#include <torch/torch.h>

namespace subq::train {

struct RangerOptions {
  double lr = 1e-3;
  double beta1 = 0.95, beta2 = 0.999;
  double eps = 1e-5;
  double weight_decay = 0;
  double lookahead_alpha = 0.5;
  int64_t lookahead_k = 6;
};

class Ranger {
 public:
  Ranger(std::vector<torch::Tensor> params, RangerOptions options);
  void step();
  void zero_grad();
  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  int64_t steps() const { return step_; }

 private:
  void radam_update(size_t i);
  std::vector<torch::Tensor> params_, exp_avg_, exp_avg_sq_, slow_;
  RangerOptions options_;
  int64_t step_ = 0;
};

}  // namespace subq::train
