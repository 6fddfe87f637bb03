// A Mamba language model: token embedding, n_layers pre-RMSNorm residual blocks whose mixer is
// the selective state-space layer (in_proj -> causal depthwise conv + SiLU -> input-dependent
// dt, B, C -> diagonal recurrence h_t = exp(dt A) h_{t-1} + dt B x_t, y_t = C h_t + D x_t ->
// gated by SiLU(z) -> out_proj), final RMSNorm, tied output.
//
// One code path serves training-style full passes and decoding: each block continues from a
// MambaState (the conv's last kernel-1 inputs and the recurrence state h), which a fresh
// state starts at zero, so memory per sequence is constant whatever its length.
#pragma once
#include <filesystem>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "subq/models/mamba/mamba_config.h"
#include "subq/nn/linear.h"
#include "subq/nn/rmsnorm.h"

namespace subq::models {

struct MambaLayerState {
  torch::Tensor conv;  // (B, inner, kernel - 1): the conv's most recent inputs
  torch::Tensor ssm;   // (B, inner, state)
};

struct MambaState {
  std::vector<MambaLayerState> layers;
  int64_t position = 0;
  int64_t bytes() const;
};

class MambaMixerImpl : public torch::nn::Module {
 public:
  explicit MambaMixerImpl(const MambaConfig& config);
  // x (B, L, dim) -> (B, L, dim); continues and updates `state` (zeros when undefined).
  torch::Tensor forward(const torch::Tensor& x, MambaLayerState& state);
  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit);

  std::shared_ptr<nn::LinearLayer> in_proj, x_proj, dt_proj, out_proj;
  torch::Tensor conv_weight, conv_bias;  // (inner, 1, kernel), (inner)
  torch::Tensor A_log, D;                // (inner, state), (inner)

 private:
  MambaConfig c_;
};
TORCH_MODULE(MambaMixer);

class MambaModelImpl : public torch::nn::Module {
 public:
  explicit MambaModelImpl(MambaConfig config);
  // tokens (B, L) -> logits (B, L, vocab), from a fresh state.
  torch::Tensor forward(const torch::Tensor& tokens);
  // Continues `state` with tokens (B, L) -> logits (B, L, vocab).
  torch::Tensor forward(const torch::Tensor& tokens, MambaState& state);
  MambaState new_state(int64_t batch) const;
  void for_each_linear(const nn::LinearVisitor& visit);
  const MambaConfig& config() const { return config_; }

  torch::nn::Embedding embedding{nullptr};
  std::vector<nn::RMSNorm> norms;
  std::vector<MambaMixer> mixers;
  nn::RMSNorm norm_f{nullptr};

 private:
  MambaConfig config_;
};
TORCH_MODULE(MambaModel);

// Loads a Hugging Face Mamba directory (config.json + safetensors; names with or without the
// "backbone." prefix); every tensor's presence and shape is checked.
MambaModel load_mamba(const std::filesystem::path& dir);
bool is_mamba_directory(const std::filesystem::path& dir);

}  // namespace subq::models
