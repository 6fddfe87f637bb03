// Feature maps phi for linear attention (LoLCATs, see docs/lolcats.md). Each maps a per-head
// vector x in R^d to phi(x) in R^F with positive entries, so phi(q).phi(k) can stand in for
// exp(q.k / sqrt(d)). Maps are untied per head; a hybrid attention holds one for q and one
// for k. Input (B, H, L, d) -> output (B, H, L, F).
#pragma once
#include <memory>
#include <string>

#include <torch/torch.h>

#include "subq/kernels/hybrid_kernel_args.h"

namespace subq::nn {

class FeatureMap : public torch::nn::Module {
 public:
  FeatureMap(int64_t n_heads, int64_t head_dim) : n_heads(n_heads), head_dim(head_dim) {}
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // F: the size of phi(x).
  virtual int64_t out_dim() const = 0;
  // Raw view of the weights for the fused kernels (float32, contiguous, same device).
  virtual kernels::FeatureMapArgs kernel_args() const = 0;
  const int64_t n_heads, head_dim;
};

// Hedgehog: phi(x) = [softmax(x W_h), softmax(-x W_h)] clamped >= 1e-12, W_h in R^{d x f}
// initialised to a rectangular identity; F = 2f.
class HedgehogFeatureMap : public FeatureMap {
 public:
  HedgehogFeatureMap(int64_t n_heads, int64_t head_dim, int64_t feature_dim);
  torch::Tensor forward(const torch::Tensor& x) override;
  int64_t out_dim() const override { return 2 * feature_dim; }
  kernels::FeatureMapArgs kernel_args() const override;
  const int64_t feature_dim;
  torch::Tensor weight;  // (H, d, f)
};

// T2R (Transformer-to-RNN): phi(x) = relu(x W_h + b_h); F = f. W starts as a rectangular
// identity and b at zero.
class T2RFeatureMap : public FeatureMap {
 public:
  T2RFeatureMap(int64_t n_heads, int64_t head_dim, int64_t feature_dim);
  torch::Tensor forward(const torch::Tensor& x) override;
  int64_t out_dim() const override { return feature_dim; }
  kernels::FeatureMapArgs kernel_args() const override;
  const int64_t feature_dim;
  torch::Tensor weight;  // (H, d, f)
  torch::Tensor bias;    // (H, f)
};

// Fixed phi(x) = elu(x) + 1 (Katharopoulos et al.); no parameters, F = d. For tests and as a
// training-free baseline.
class EluFeatureMap : public FeatureMap {
 public:
  EluFeatureMap(int64_t n_heads, int64_t head_dim) : FeatureMap(n_heads, head_dim) {}
  torch::Tensor forward(const torch::Tensor& x) override;
  int64_t out_dim() const override { return head_dim; }
  kernels::FeatureMapArgs kernel_args() const override;
};

// "hedgehog" | "t2r" | "elu"; throws subq::Error naming an unknown map.
std::shared_ptr<FeatureMap> make_feature_map(const std::string& name, int64_t n_heads,
                                             int64_t head_dim, int64_t feature_dim);

}  // namespace subq::nn
