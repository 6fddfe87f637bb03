#include "subq/util/json_file.h"

#include <fmt/ranges.h>
#include "subq/transforms/compress/compressed_checkpoint.h"

#include <map>

#include "subq/io/safetensors.h"
#include "subq/nn/factorized_linear.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::compress {
namespace {

constexpr const char* kFormat = "subq-compressed-v1";
constexpr const char* kManifest = "manifest.json";
constexpr const char* kTensors = "layers.safetensors";

std::map<std::string, nn::LinearRef> refs_by_path(const LinearSlots& slots) {
  std::map<std::string, nn::LinearRef> refs;
  slots([&](const nn::LinearRef& ref) { refs.emplace(ref.path, ref); });
  return refs;
}

nn::LinearRef find_ref(const std::map<std::string, nn::LinearRef>& refs, const std::string& path,
                       const std::filesystem::path& dir) {
  auto it = refs.find(path);
  SUBQ_CHECK(it != refs.end(), "{}: layer '{}' does not exist in the base model", dir.string(),
             path);
  return it->second;
}

}  // namespace

bool is_compressed_checkpoint(const std::filesystem::path& path) {
  return std::filesystem::is_directory(path) && std::filesystem::exists(path / kManifest);
}

void save_compressed_checkpoint(const std::filesystem::path& dir, const LinearSlots& slots,
                                const CompressedManifest& m) {
  std::filesystem::create_directories(dir);
  auto refs = refs_by_path(slots);
  io::TensorMap tensors;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : m.compressed) {
    layers.push_back(to_json(layer));
    if (!layer.changed) continue;
    const auto& module = **find_ref(refs, layer.path, dir).slot;
    for (const auto& p : module.named_parameters(true))
      tensors[layer.path + "." + p.key()] = p.value().detach().contiguous();
  }
  std::filesystem::remove(dir / kManifest);  // an old manifest must not describe new tensors
  io::save_safetensors(dir / kTensors, tensors, {{"format", kFormat}});
  nlohmann::json j = {{"format", kFormat},
                      {"base_model", m.base_model},
                      {"method", m.method},
                      {"layers_pattern", m.layers},
                      {"target_reduction", m.target_reduction},
                      {"summary", to_json(m.summary)},
                      {"settings", m.settings},
                      {"layers", layers}};
  write_text_atomically(dir / kManifest, j.dump(2) + "\n");
}

CompressedManifest read_compressed_manifest(const std::filesystem::path& dir) {
  const auto path = dir / kManifest;
  const nlohmann::json j = read_json_file(path);
  SUBQ_CHECK(j.is_object() && j.value("format", "") == kFormat,
             "{}: not a subq compressed checkpoint (format should be '{}')", path.string(), kFormat);
  CompressedManifest m;
  try {
    m.base_model = j.at("base_model").get<std::string>();
    m.method = j.at("method").get<std::string>();
    m.layers = j.at("layers_pattern").get<std::string>();
    m.target_reduction = j.at("target_reduction").get<double>();
    m.settings = j.value("settings", nlohmann::json::object());
    for (const auto& l : j.at("layers")) m.compressed.push_back(compressed_layer_from_json(l));
    const auto& s = j.at("summary");
    m.summary.layers_before = s.at("chosen_parameters_before").get<int64_t>();
    m.summary.layers_after = s.at("chosen_parameters_after").get<int64_t>();
    m.summary.model_before = s.at("model_parameters_before").get<int64_t>();
    m.summary.model_after = s.at("model_parameters_after").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed manifest ({})", path.string(), e.what());
  }
  // A relative base path is relative to the checkpoint directory.
  if (!m.base_model.empty() && std::filesystem::path(m.base_model).is_relative())
    m.base_model = (dir / m.base_model).lexically_normal().string();
  return m;
}

CompressedManifest read_compressed_base(const std::filesystem::path& dir) {
  auto m = read_compressed_manifest(dir);
  SUBQ_CHECK(std::filesystem::exists(m.base_model),
             "{}: its base model '{}' does not exist (move the base model back or edit manifest.json)",
             dir.string(), m.base_model);
  SUBQ_CHECK(!is_compressed_checkpoint(m.base_model), "{}: its base model {} is itself compressed",
             dir.string(), m.base_model);
  return m;
}

CompressedManifest apply_compressed_checkpoint(const LinearSlots& slots,
                                               const std::filesystem::path& dir) {
  auto manifest = read_compressed_manifest(dir);
  io::SafetensorsFile file(dir / kTensors);
  auto refs = refs_by_path(slots);
  torch::NoGradGuard no_grad;
  for (const auto& layer : manifest.compressed) {
    if (!layer.changed) continue;
    auto ref = find_ref(refs, layer.path, dir);
    SUBQ_CHECK((*ref.slot)->in_features == layer.in_features &&
                   (*ref.slot)->out_features == layer.out_features,
               "{}: layer '{}' is {}x{} in the manifest but {}x{} in the base model", dir.string(),
               layer.path, layer.out_features, layer.in_features, (*ref.slot)->out_features,
               (*ref.slot)->in_features);
    std::shared_ptr<nn::LinearLayer> rebuilt =
        layer.factorized ? std::shared_ptr<nn::LinearLayer>(std::make_shared<nn::FactorizedLinear>(
                               layer.in_features, layer.out_features, layer.rank, layer.bias))
                         : std::make_shared<nn::DenseLinear>(layer.in_features,
                                                             layer.out_features, layer.bias);
    for (auto& p : rebuilt->named_parameters(true)) {
      const auto name = layer.path + "." + p.key();
      SUBQ_CHECK(file.contains(name), "{}: missing tensor '{}'", (dir / kTensors).string(), name);
      auto t = file.load(name);
      SUBQ_CHECK(t.sizes() == p.value().sizes(), "{}: tensor '{}' has shape {} but needs {}",
                 (dir / kTensors).string(), name, fmt::join(t.sizes(), "x"),
                 fmt::join(p.value().sizes(), "x"));
      SUBQ_CHECK(torch::isfinite(t).all().item<bool>(), "{}: tensor '{}' holds NaN or Inf",
                 (dir / kTensors).string(), name);
      p.value().copy_(t);
    }
    nn::replace_linear(ref, rebuilt);
  }
  return manifest;
}

}  // namespace subq::compress
