// The whole `subq linearize` run on a loaded base model: stage 1 (attention transfer) then
// stage 2 (LoRA), each a resumable, optionally data-parallel training run whose checkpoint
// lives in the output directory, so rerunning an interrupted command continues it.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/data/text_packing.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/train/distributed.h"
#include "subq/transforms/linearize/attention_transfer.h"
#include "subq/transforms/linearize/linearize_options.h"

namespace subq::transforms {

struct LinearizeData {
  data::PackedChunks train, val;
};

struct StageSummary {
  bool ran = false;
  bool partial = false;  // blockwise over a layer range that is not all layers: range done
  train::TrainResult result;
  nlohmann::json to_json() const;
};

struct LinearizeSummary {
  StageSummary transfer, finetune;
  int64_t base_parameters = 0;
  int64_t new_parameters = 0;  // feature maps + gates + LoRA
  bool finished = false;       // false when a stage stopped early (stop_after_steps)
  nlohmann::json to_json() const;
};

// Linearizes `base` in place: afterwards its layers use `attentions` (returned through the
// reference) and, unless options.lora_stage is off, carry trained LoRA adapters.
// Checkpoints go to `work_dir`; `stop_after_steps` (tests) interrupts each stage's session.
LinearizeSummary linearize(models::LoadedLlama& base, const LinearizeData& data,
                           const LinearizeOptions& options, train::ProcessGroup& group,
                           const std::filesystem::path& work_dir, LinearizedAttentions& attentions,
                           int64_t stop_after_steps = -1);

}  // namespace subq::transforms
