// Settings of a LoLCATs linearization run (docs/linearize.md; method in
// /work/shared/docs/lolcats.md): the new attention, the two training stages, the data.
// Defaults follow the paper; --budget-tokens splits a token budget over the stages.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "subq/nn/attention.h"
#include "subq/nn/lora.h"

namespace subq::transforms {

struct StageOptions {
  int64_t steps = 200;
  int64_t batch = 8;            // global batch in chunks
  int64_t micro_batch = 0;      // per-rank chunks per forward/backward (0: whole local batch)
  double lr = 1e-2;
  int64_t eval_every = 20;
  double plateau_factor = 0.1;
  int plateau_patience = 10;
  double min_lr = 1e-5;
  nlohmann::json to_json() const;
};

struct LinearizeOptions {
  nn::AttentionConfig attention{"hybrid", "sw", 64, "hedgehog", 64};
  nn::LoraConfig lora;          // r 8, alpha 16 on q,k,v,o
  StageOptions transfer;        // stage 1: feature maps + gates, AdamW 1e-2
  StageOptions finetune;        // stage 2: LoRA, AdamW 1e-4
  bool attention_transfer = true;  // false: skip stage 1 (ablation)
  bool lora_stage = true;          // false: stop after stage 1
  bool blockwise = false;          // stage 1 layer by layer from hidden states cached on disk
  // With blockwise: train only layers [first_layer, last_layer] (last -1: to the end), so
  // separate processes can share the layers; a run over all layers then finds them done.
  int64_t first_layer = 0, last_layer = -1;
  int64_t seq_len = 512;
  uint64_t seed = 0;
  LinearizeOptions();
  nlohmann::json to_json() const;
  // Sets both stages' step counts so they consume `tokens` tokens in total (split evenly
  // between the stages that run).
  void apply_token_budget(int64_t tokens);
};

}  // namespace subq::transforms
