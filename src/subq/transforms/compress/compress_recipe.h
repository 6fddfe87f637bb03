// One compression run on any model with LinearSlots, whatever its task: calibrate (when the
// method needs activation statistics), then soft-rank training + export or a uniform-rank
// truncation, then an optional fine-tune of the exported layers. The model-specific parts
// (its loss on a training batch, its calibration forward passes, train/eval mode) come in as
// callbacks, so `subq compress` (language models) and `subq jets compress` share this.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/transforms/compress/layer_report.h"
#include "subq/transforms/compress/linear_slots.h"

namespace subq::compress {

struct CompressRecipe {
  std::string method = "softrank";  // softrank | svd | asvd
  std::string basis = "svd";        // softrank decomposition: svd | whitened
  std::string layers = "attn,mlp";  // which linears (chosen_linears patterns)
  double target = 0.5;              // fraction of the chosen layers' parameters to remove
  int64_t steps = 100;              // soft-rank training steps
  double initial_threshold = 0.01, lr = 1e-4, lr_threshold = 0.05;
  bool start_at_budget = true;
  int64_t finetune_steps = 0;       // 0: no fine-tune
  double finetune_lr = 2e-5;

  void validate() const;  // clear errors for unknown methods / bases
  bool needs_calibration() const { return method == "asvd" || basis == "whitened"; }
};

struct CompressCallbacks {
  std::function<torch::Tensor(int64_t step)> loss;  // task loss on training batch `step`
  std::function<void()> calibrate;                  // forward passes over calibration data
  std::function<void(bool training)> set_mode;      // model.train() / model.eval()
};

struct CompressOutcome {
  std::vector<CompressedLayer> layers;
  nlohmann::json settings = nlohmann::json::object();  // what ran, first/last losses
};

// Compresses the chosen linears of `slots` in place (the model's other parameters must already
// be frozen) and returns the per-layer report.
CompressOutcome compress_linears(const LinearSlots& slots, const CompressRecipe& recipe,
                                 const CompressCallbacks& callbacks);

// The manifest of a compressed checkpoint of the model in `base_model` (a path the loader
// reopens), from what compress_linears did; `model_before` = its parameter count before.
CompressedManifest manifest_for(const std::string& base_model, const CompressRecipe& recipe,
                                const CompressOutcome& outcome, int64_t model_before);

}  // namespace subq::compress
