#include "subq/models/families/decoder_family.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "subq/io/gguf.h"
#include "subq/util/error.h"

namespace subq::models {

namespace {

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> all_names(std::vector<std::string> DecoderFamily::*list) {
  std::vector<std::string> out;
  for (const auto* f : decoder_families()) out.insert(out.end(), (f->*list).begin(), (f->*list).end());
  return out;
}

}  // namespace

const std::vector<const DecoderFamily*>& decoder_families() {
  static const std::vector<const DecoderFamily*> families = {&llama_family(), &mistral_family(),
                                                             &qwen2_family(), &gpt2_family()};
  return families;
}

const DecoderFamily& decoder_family(const std::string& name) {
  for (const auto* f : decoder_families())
    if (f->name == name) return *f;
  std::vector<std::string> names;
  for (const auto* f : decoder_families()) names.push_back(f->name);
  fail("unknown model family '{}' (known: {})", name, fmt::join(names, ", "));
}

const DecoderFamily& decoder_family_for_hf(const nlohmann::json& config, const std::string& file) {
  // Llama configs written by old tools carry no model_type; anything else must say what it is.
  std::string type = "llama";
  if (config.contains("model_type")) {
    SUBQ_CHECK(config["model_type"].is_string(), "{}: 'model_type' is not a string", file);
    type = config["model_type"].get<std::string>();
  }
  for (const auto* f : decoder_families())
    if (has(f->hf_model_types, type)) return *f;
  fail("{}: model_type '{}' is not a family subq implements (known: {})", file, type,
       fmt::join(all_names(&DecoderFamily::hf_model_types), ", "));
}

const DecoderFamily& decoder_family_for_gguf(const io::GgufFile& gguf) {
  SUBQ_CHECK(gguf.has("general.architecture"), "{}: no 'general.architecture' key", gguf.path());
  const auto arch = gguf.get("general.architecture").as_string();
  for (const auto* f : decoder_families())
    if (has(f->gguf_architectures, arch) && f->from_gguf) return *f;
  fail("{}: general.architecture '{}' is not one subq reads from GGUF (known: {})", gguf.path(), arch,
       fmt::join(all_names(&DecoderFamily::gguf_architectures), ", "));
}

LlamaConfig decoder_config_from_hf(const nlohmann::json& config, const std::string& file) {
  const auto& family = decoder_family_for_hf(config, file);
  auto c = family.from_hf(config, file);
  c.family = family.name;
  c.default_attention();
  c.validate(file);
  return c;
}

LlamaConfig decoder_config_from_gguf(const io::GgufFile& gguf) {
  const auto& family = decoder_family_for_gguf(gguf);
  auto c = family.from_gguf(gguf);
  c.family = family.name;
  c.default_attention();
  c.validate(gguf.path());
  return c;
}

void refuse_key(const nlohmann::json& config, const std::string& key, const std::string& file,
                const std::string& why, const nlohmann::json& allowed) {
  if (!config.contains(key)) return;
  const auto& v = config[key];
  const bool harmless = v.is_null() || (v.is_boolean() && !v.get<bool>()) ||
                        (v.is_number() && v.get<double>() == 0) || (!allowed.is_null() && v == allowed);
  SUBQ_CHECK(harmless, "{}: '{}' = {} is not implemented by subq ({})", file, key, v.dump(), why);
}

int64_t required_int(const nlohmann::json& config, const std::string& key, const std::string& file) {
  SUBQ_CHECK(config.contains(key) && config[key].is_number_integer(), "{}: no integer '{}'", file, key);
  return config[key].get<int64_t>();
}

}  // namespace subq::models
