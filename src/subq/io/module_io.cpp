#include "subq/io/module_io.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::io {

io::TensorMap module_state(const torch::nn::Module& module) {
  io::TensorMap state;
  for (const auto& p : module.named_parameters(true)) state[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) state[b.key()] = b.value();
  return state;
}

void save_module(const torch::nn::Module& module, const std::filesystem::path& path,
                 const io::StringMap& metadata) {
  io::save_safetensors(path, module_state(module), metadata);
}

io::StringMap load_module(torch::nn::Module& module, const std::filesystem::path& path,
                          bool strict) {
  io::SafetensorsFile file(path);
  auto state = module_state(module);
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : state) {
    if (!file.contains(name)) {
      SUBQ_CHECK(!strict, "{}: checkpoint has no tensor '{}'", path.string(), name);
      continue;
    }
    auto loaded = file.load(name, /*to_float=*/false);
    SUBQ_CHECK(loaded.sizes() == tensor.sizes(), "{}: tensor '{}' has shape {} but the model needs {}",
               path.string(), name, fmt::format("{}", fmt::join(loaded.sizes(), "x")),
               fmt::format("{}", fmt::join(tensor.sizes(), "x")));
    tensor.copy_(loaded.to(tensor.dtype()));
  }
  if (strict) {
    for (const auto& [name, _] : file.entries())
      SUBQ_CHECK(state.count(name), "{}: unexpected tensor '{}' (not part of this model)",
                 path.string(), name);
  }
  return file.metadata();
}

}  // namespace subq::io
