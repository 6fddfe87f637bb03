// The loader hook for compressed Llama checkpoints (see compressed_llama.h).
#include "subq/transforms/compress/compressed_llama.h"

#include "subq/util/error.h"

namespace subq::compress {

models::LoadedLlama load_llama_or_compressed(const std::filesystem::path& path,
                                             const models::LlamaLoadOptions& options,
                                             CompressedManifest* manifest) {
  auto loaded = load_maybe_compressed(
      path, [&](const std::filesystem::path& p) { return models::load_llama(p, options); }, manifest);
  loaded.path = path;
  return loaded;
}

}  // namespace subq::compress
