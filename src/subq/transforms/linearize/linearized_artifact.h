// The output of `subq linearize`: a directory holding only what is new, next to an
// untouched base checkpoint:
//   manifest.json              base model path + sha256, attention config, LoRA config,
//                              training summary (written last: its presence marks a
//                              complete directory)
//   attention.safetensors      feature maps and gates of every layer
//   lora/adapter_config.json   LoRA in Hugging Face PEFT layout (absent with --stage1-only)
//   lora/adapter_model.safetensors
// apply_linearized() turns a freshly loaded base model into the linearized one.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/linearize/attention_transfer.h"

namespace subq::transforms {

constexpr const char* kManifestFile = "manifest.json";
constexpr const char* kAttentionFile = "attention.safetensors";
constexpr const char* kLoraDir = "lora";

// Writes DIR. `model` holds the installed attentions and (optionally) LoRA adapters;
// `summary` is stored as the manifest's "training" entry.
void save_linearized(const std::filesystem::path& dir, models::LoadedLlama& base,
                     LinearizedAttentionsImpl& attentions, const nlohmann::json& summary);

// True when `dir` holds a finished `subq linearize` output (its manifest names the format).
bool is_linearized_directory(const std::filesystem::path& dir);
// The base checkpoint a linearized directory was trained on (the manifest's path).
std::filesystem::path linearized_base(const std::filesystem::path& dir);

struct ApplyOptions {
  bool check_base_hash = true;  // refuse a base whose sha256 differs from the manifest's
};

// Installs DIR's attentions and LoRA into `base` (loaded from the checkpoint the manifest
// names); returns the manifest. Errors name DIR's file and what does not fit.
nlohmann::json apply_linearized(const std::filesystem::path& dir, models::LoadedLlama& base,
                                const ApplyOptions& options = {});

}  // namespace subq::transforms
