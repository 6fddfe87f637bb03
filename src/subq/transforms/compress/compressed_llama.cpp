// The loader hook for compressed Llama checkpoints (see compressed_llama.h).
#include "subq/transforms/compress/compressed_llama.h"

#include "subq/util/error.h"

namespace subq::compress {

models::LoadedLlama load_llama_or_compressed(const std::filesystem::path& path,
                                             const models::LlamaLoadOptions& options,
                                             CompressedManifest* manifest) {
  if (!is_compressed_checkpoint(path)) return models::load_llama(path, options);
  auto m = read_compressed_manifest(path);
  SUBQ_CHECK(std::filesystem::exists(m.base_model),
             "{}: its base model '{}' does not exist (move the base model back or edit "
             "manifest.json)",
             path.string(), m.base_model);
  auto loaded = models::load_llama(m.base_model, options);
  apply_compressed_checkpoint(slots_of(*loaded.model), path);
  loaded.path = path;
  if (manifest) *manifest = std::move(m);
  return loaded;
}

}  // namespace subq::compress
