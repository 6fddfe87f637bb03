// The one entry that opens any language-model artifact a user can hold, whatever wrote it:
//  - a checkpoint: GGUF file, llama2.c .bin, Hugging Face directory (any family);
//  - a `subq export` directory (a Hugging Face directory with the full config under "subq");
//  - a `subq compress` directory (its base, then the stored low-rank layers);
//  - a `subq linearize` directory (its base from the manifest, then the new attentions + LoRA).
// It says what it opened (LoadedLlama::artifact, and describe()). Every command that takes a
// language model file goes through it (apps/subq/model_options and the commands that build on
// a base: compress, linearize, export, info).
#pragma once
#include <filesystem>
#include <string>

#include "subq/models/llama/llama_loader.h"

namespace subq::transforms {

models::LoadedLlama open_model(const std::filesystem::path& path, const models::LlamaLoadOptions& options = {});

// "SmolLM2.gguf: gguf checkpoint, llama family, 134.5 M parameters" and the like.
std::string describe(const models::LoadedLlama& model);

}  // namespace subq::transforms
