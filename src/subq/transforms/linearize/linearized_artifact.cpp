#include "subq/util/json_file.h"
#include "subq/transforms/linearize/linearized_artifact.h"

#include "subq/nn/freeze.h"
#include "subq/nn/lora.h"
#include "subq/io/module_io.h"
#include "subq/transforms/linearize/lora_stage.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/sha256.h"

namespace subq::transforms {

namespace {
constexpr const char* kFormat = "subq-linearized";
constexpr int kVersion = 1;

nlohmann::json attention_json(const nn::AttentionConfig& a) {
  return {{"kind", a.kind}, {"window_kind", a.window_kind}, {"window", a.window},
          {"feature_map", a.feature_map}, {"feature_dim", a.feature_dim}};
}

nn::AttentionConfig attention_from_json(const nlohmann::json& j) {
  nn::AttentionConfig a;
  a.kind = j.at("kind");
  a.window_kind = j.at("window_kind");
  a.window = j.at("window");
  a.feature_map = j.at("feature_map");
  a.feature_dim = j.at("feature_dim");
  return a;
}

nlohmann::json read_manifest(const std::filesystem::path& dir) {
  const auto path = dir / kManifestFile;
  SUBQ_CHECK(std::filesystem::exists(path), "{}: no {} (not a `subq linearize` output, or an unfinished one)",
             dir.string(), kManifestFile);
  const nlohmann::json m = read_json_file(path);
  SUBQ_CHECK(m.value("format", "") == kFormat, "{}: format is not {}", path.string(), kFormat);
  SUBQ_CHECK(m.value("version", 0) == kVersion, "{}: unsupported version {}", path.string(), m.value("version", 0));
  return m;
}
}  // namespace

bool is_linearized_directory(const std::filesystem::path& dir) {
  const auto path = dir / kManifestFile;
  if (!std::filesystem::is_directory(dir) || !std::filesystem::exists(path)) return false;
  const nlohmann::json m = read_json_file(path);
  return m.is_object() && m.value("format", "") == kFormat;
}

std::filesystem::path linearized_base(const std::filesystem::path& dir) {
  return read_manifest(dir).at("base_model").at("path").get<std::string>();
}

void save_linearized(const std::filesystem::path& dir, models::LoadedLlama& base,
                     LinearizedAttentionsImpl& attentions, const nlohmann::json& summary) {
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / kManifestFile);  // the directory is incomplete until the end
  const auto attention = attention_json(attentions.config);
  io::save_module(attentions, dir / kAttentionFile, {{"attention", attention.dump()}});
  auto& model = *base.model;
  nlohmann::json lora = nullptr;
  const auto adapters = nn::lora_layers(linear_walker(model));
  if (!adapters.empty()) {
    const auto config = adapters.front().second->config;
    nn::save_peft_adapter(dir / kLoraDir, linear_walker(model), config, hf_module_name,
                          std::filesystem::absolute(base.path).string());
    lora = config.to_json();
  }
  const nlohmann::json manifest = {
      {"format", kFormat},
      {"version", kVersion},
      {"base_model", {{"path", std::filesystem::absolute(base.path).string()},
                      {"sha256", sha256_checkpoint(base.path)},
                      {"format", base.format}}},
      {"attention", attention},
      {"lora", lora},
      {"files", {{"attention", kAttentionFile}, {"lora", lora.is_null() ? nlohmann::json(nullptr) : nlohmann::json(kLoraDir)}}},
      {"training", summary}};
  write_text_atomically(dir / kManifestFile, manifest.dump(2) + "\n");
}

nlohmann::json apply_linearized(const std::filesystem::path& dir, models::LoadedLlama& base,
                                const ApplyOptions& options) {
  auto manifest = read_manifest(dir);
  if (options.check_base_hash) {
    const auto expected = manifest.at("base_model").at("sha256").get<std::string>();
    const auto actual = sha256_checkpoint(base.path);
    SUBQ_CHECK(expected == actual,
               "{}: was trained on a base model with sha256 {} ({}), but {} has sha256 {}",
               (dir / kManifestFile).string(), expected,
               manifest.at("base_model").at("path").get<std::string>(), base.path.string(), actual);
  }
  nn::AttentionConfig attention;
  try {
    attention = attention_from_json(manifest.at("attention"));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: bad attention entry ({})", (dir / kManifestFile).string(), e.what());
  }
  LinearizedAttentions attentions(base.config(), attention);
  io::load_module(*attentions, dir / kAttentionFile);
  attentions->install(*base.model);
  if (!manifest.at("lora").is_null()) nn::load_peft_adapter(dir / kLoraDir, linear_walker(*base.model), hf_module_name);
  nn::freeze(*base.model);
  base.model->eval();
  return manifest;
}

}  // namespace subq::transforms
