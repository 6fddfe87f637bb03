// `subq export`: a base model plus a `subq linearize` output become one self-contained
// directory that subq loads with `--model DIR`, without the base or the linearize output:
//   config.json        LlamaForCausalLM keys, plus "subq": {"config": the full LlamaConfig
//                      with each layer's attention kind, "exported_from": provenance}
//   model.safetensors  every weight in float32 under its Hugging Face name, LoRA merged into
//                      q/k/v/o; feature maps and gates as "subq.layers.N.attn.kind.<param>"
//   tokenizer.*        the base's tokenizer: tokenizer.json (HF base), tokenizer.gguf (the
//                      base GGUF's tokenizer metadata, no tensors) or the llama2.c file
// Other tools that read HF directories see the dense weights; the hybrid attention needs subq.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

#include "subq/models/llama/llama_loader.h"

namespace subq::transforms {

// Merges `model`'s LoRA adapters into its weights (in place) and writes `out`. `tokenizer`,
// when not empty, is the tokenizer file the model was loaded with (copied as is).
// config.json is written last, so a directory without it is incomplete.
void export_merged_checkpoint(models::LoadedLlama& model, const std::filesystem::path& out,
                              const nlohmann::json& provenance,
                              const std::filesystem::path& tokenizer = {});

}  // namespace subq::transforms
