// Stage 2 of LoLCATs: with the new attentions in place and everything else frozen, rank-8
// LoRA adapters on q, k, v, o recover the remaining quality with next-token cross-entropy.
#pragma once
#include <vector>

#include "subq/data/text_packing.h"
#include "subq/models/llama/llama_model.h"
#include "subq/nn/lora.h"
#include "subq/train/resumable_trainer.h"

namespace subq::transforms {

// Freezes every parameter of `model` and adds LoRA adapters to the targeted projections;
// returns the wrapped paths.
std::vector<std::string> prepare_lora_stage(models::LlamaModelImpl& model, const nn::LoraConfig& config);

// Summed cross-entropy of the next-token labels (ignoring kIgnoreLabel) and their count.
train::LossSum next_token_loss(models::LlamaModelImpl& model, const data::TokenBatch& batch);

// The model's linears as a LinearWalker (for nn::apply_lora and friends).
nn::LinearWalker linear_walker(models::LlamaModelImpl& model);

// subq path -> Hugging Face module name, for PEFT files: "layers.3.attn.q_proj" ->
// "model.layers.3.self_attn.q_proj", "layers.3.mlp.up_proj" -> "model.layers.3.mlp.up_proj".
std::string hf_module_name(const std::string& subq_path);

}  // namespace subq::transforms
