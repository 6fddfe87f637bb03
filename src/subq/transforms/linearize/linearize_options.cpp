#include "subq/transforms/linearize/linearize_options.h"

#include <algorithm>

#include "subq/util/error.h"

namespace subq::transforms {

nlohmann::json StageOptions::to_json() const {
  return {{"steps", steps},       {"batch", batch},       {"lr", lr},
          {"eval_every", eval_every}, {"plateau_factor", plateau_factor},
          {"plateau_patience", plateau_patience}, {"min_lr", min_lr}};
}

LinearizeOptions::LinearizeOptions() {
  // Paper: stage 1 AdamW 1e-2, stage 2 AdamW 1e-4; both ReduceLROnPlateau(0.1, 10, 1e-5).
  transfer.lr = 1e-2;
  finetune.lr = 1e-4;
}

nlohmann::json LinearizeOptions::to_json() const {
  return {{"attention", {{"kind", attention.kind}, {"window_kind", attention.window_kind},
                         {"window", attention.window}, {"feature_map", attention.feature_map},
                         {"feature_dim", attention.feature_dim}}},
          {"lora", lora_stage ? lora.to_json() : nlohmann::json(nullptr)},
          {"attention_transfer", attention_transfer ? transfer.to_json() : nlohmann::json(nullptr)},
          {"blockwise", blockwise},
          {"finetune", lora_stage ? finetune.to_json() : nlohmann::json(nullptr)},
          {"seq_len", seq_len},
          {"seed", seed}};
}

void LinearizeOptions::apply_token_budget(int64_t tokens) {
  const int stages = (attention_transfer ? 1 : 0) + (lora_stage ? 1 : 0);
  SUBQ_CHECK(stages > 0, "nothing to train: both attention transfer and LoRA are off");
  SUBQ_CHECK(tokens >= stages * seq_len, "--budget-tokens {} is less than one chunk of {} tokens per stage",
             tokens, seq_len);
  auto steps_for = [&](const StageOptions& s) {
    return std::max<int64_t>(1, tokens / stages / (s.batch * seq_len));
  };
  transfer.steps = steps_for(transfer);
  finetune.steps = steps_for(finetune);
}

}  // namespace subq::transforms
