#include "subq/train/ranger.h"

#include <cmath>

namespace subq::train {

Ranger::Ranger(std::vector<torch::Tensor> params, RangerOptions options)
    : params_(std::move(params)), options_(options) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params_) {
    exp_avg_.push_back(torch::zeros_like(p));
    exp_avg_sq_.push_back(torch::zeros_like(p));
    slow_.push_back(p.detach().clone());
  }
}

void Ranger::zero_grad() {
  for (auto& p : params_)
    if (p.grad().defined()) p.mutable_grad().zero_();
}

void Ranger::radam_update(size_t i) {
  auto& p = params_[i];
  auto grad = p.grad();
  if (options_.weight_decay != 0) grad = grad.add(p, options_.weight_decay);
  const double b1 = options_.beta1, b2 = options_.beta2;
  exp_avg_[i].mul_(b1).add_(grad, 1 - b1);
  exp_avg_sq_[i].mul_(b2).addcmul_(grad, grad, 1 - b2);
  const double t = static_cast<double>(step_);
  const double bias1 = 1 - std::pow(b1, t), bias2 = 1 - std::pow(b2, t);
  const double rho_inf = 2 / (1 - b2) - 1;
  const double rho_t = rho_inf - 2 * t * std::pow(b2, t) / bias2;
  if (rho_t > 5) {
    const double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                  ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    auto denom = exp_avg_sq_[i].sqrt().div_(std::sqrt(bias2)).add_(options_.eps);
    p.addcdiv_(exp_avg_[i], denom, -options_.lr * rect / bias1);
  } else {
    p.add_(exp_avg_[i], -options_.lr / bias1);
  }
}

void Ranger::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].grad().defined()) radam_update(i);
  if (step_ % options_.lookahead_k == 0) {
    for (size_t i = 0; i < params_.size(); ++i) {
      slow_[i].add_(params_[i] - slow_[i], options_.lookahead_alpha);
      params_[i].copy_(slow_[i]);
    }
  }
}

}  // namespace subq::train
