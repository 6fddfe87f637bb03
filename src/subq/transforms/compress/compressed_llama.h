// The loader hook for compressed Llama checkpoints: `subq generate/perplexity/eval/compress`
// accept either a model file or a directory written by `subq compress`; the latter loads its
// base model (named in the manifest) and swaps in the stored low-rank layers.
#pragma once
#include <filesystem>

#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/compress/compressed_checkpoint.h"

namespace subq::compress {

// Loads `path` with models::load_llama, or, when it is a compressed checkpoint directory,
// its base model plus the compressed layers. `manifest` (optional) receives the manifest.
models::LoadedLlama load_llama_or_compressed(const std::filesystem::path& path,
                                             const models::LlamaLoadOptions& options = {},
                                             CompressedManifest* manifest = nullptr);

}  // namespace subq::compress
