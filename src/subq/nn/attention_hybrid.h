// Hybrid sliding-window softmax + linear attention (LoLCATs; formulas in
// /work/shared/docs/lolcats.md, summary in docs/hybrid_attention.md). For query i:
//   window keys W(i) get a_ij = gamma_h exp(s_ij - c_i), c_i = max over W(i) of s_ij,
//   older keys get b_ij = phi_q(q_i).phi_k(k_j), and y_i = sum (a+b) v / sum (a+b).
// config.kind "hybrid": window_kind "sw" (last W keys) or "tk" (terraced W-blocks) for
// training and the first prefill; decoding always uses the sliding window.
// config.kind "linear": pure linear attention (no window, no gate) through the same code.
//
// One module, three forms that give the same numbers:
//   forward_quadratic  differentiable reference, builds (L x L) matrices (training);
//   forward_chunked    fused kernel, O(L (W + F)) time, O(state + chunk) memory (prefill);
//   forward_recurrent  fused kernel, one token against a fixed-size state (decode).
// forward() picks: no state + grad mode (or not float32) -> quadratic; no state, no grad ->
// chunked on a scratch state; with a state -> chunked for L > 1, recurrent for L == 1.
// Trainable parameters: the q and k feature maps and the per-head gate logit w_h.
#pragma once
#include "subq/kernels/hybrid_attention_dispatch.h"
#include "subq/kernels/hybrid_kernel_args.h"
#include "subq/nn/attention.h"
#include "subq/nn/feature_maps.h"
#include "subq/nn/hybrid_state.h"

namespace subq::nn {

class HybridAttention : public AttentionKind {
 public:
  HybridAttention(const AttentionShape& shape, const AttentionConfig& config);

  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        AttentionState* state) override;
  std::unique_ptr<AttentionState> make_state(int64_t batch, torch::Device device) const override;
  AttentionConfig config() const override { return config_; }

  // The three forms; forward() chooses, but attention transfer, tests and benches call them.
  // Shapes as in forward(); the stateful ones continue `state` and advance it.
  torch::Tensor forward_quadratic(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v);
  torch::Tensor forward_chunked(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, HybridAttentionState& state);
  torch::Tensor forward_recurrent(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, HybridAttentionState& state);

  // gamma_h = sigmoid(w_h), shape (H); undefined for pure linear attention.
  torch::Tensor gate() const;
  int64_t window() const { return config_.window; }

  std::shared_ptr<FeatureMap> feature_map_q, feature_map_k;
  torch::Tensor gate_logit;  // w_h, (H), initialised to logit(0.1); undefined when linear

 private:
  // First window key of each query 0..L-1 (keys before it are linear), as a (L, 1) tensor.
  torch::Tensor window_starts(int64_t length, const torch::Device& device) const;
  kernels::HybridCallArgs kernel_args(const torch::Tensor& q, const torch::Tensor& k,
                                      const torch::Tensor& v, HybridAttentionState& state,
                                      const torch::Tensor& gate, const torch::Tensor& out) const;
  torch::Tensor run_fused(kernels::HybridForm form, const torch::Tensor& q, const torch::Tensor& k,
                          const torch::Tensor& v, HybridAttentionState& state);
  void check_inputs(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) const;
  void check_state(const HybridAttentionState& state, const torch::Tensor& q) const;

  AttentionConfig config_;
  kernels::WindowKind window_kind_;
};

}  // namespace subq::nn
