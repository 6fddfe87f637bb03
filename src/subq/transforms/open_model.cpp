#include "subq/transforms/open_model.h"

#include <fmt/format.h>

#include "subq/transforms/compress/compressed_llama.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/util/error.h"

namespace subq::transforms {

models::LoadedLlama open_model(const std::filesystem::path& path, const models::LlamaLoadOptions& options) {
  if (is_linearized_directory(path)) {
    const auto base = linearized_base(path);
    SUBQ_CHECK(!is_linearized_directory(base), "{}: its base {} is itself a linearized directory", path.string(),
               base.string());
    auto loaded = open_model(base, options);
    apply_linearized(path, loaded);
    loaded.artifact = "linearized";
    loaded.path = path;
    return loaded;
  }
  if (compress::is_compressed_checkpoint(path)) {
    auto loaded = compress::load_llama_or_compressed(path, options);
    loaded.artifact = "compressed";
    return loaded;
  }
  return models::load_llama(path, options);
}

std::string describe(const models::LoadedLlama& m) {
  return fmt::format("{}: {} {} model, {} family, {:.1f} M parameters", m.path.string(), m.artifact, m.format,
                     m.config().family, m.model->parameter_count() / 1e6);
}

}  // namespace subq::transforms
