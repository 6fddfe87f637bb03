#include "subq/nn/lora.h"

#include <fmt/ranges.h>

#include <cmath>
#include <map>

#include "subq/io/safetensors.h"
#include "subq/nn/freeze.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/json_file.h"

namespace subq::nn {

namespace {
constexpr const char* kPeftConfigFile = "adapter_config.json";
constexpr const char* kPeftWeightsFile = "adapter_model.safetensors";

std::vector<std::string> split_targets(const std::string& targets) {
  std::vector<std::string> out;
  std::stringstream ss(targets);
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty()) out.push_back(t);
  return out;
}

std::string peft_key(const std::string& module, const char* matrix) {
  return "base_model.model." + module + "." + matrix + ".weight";
}
}  // namespace

nlohmann::json LoraConfig::to_json() const {
  return {{"rank", rank}, {"alpha", alpha}, {"dropout", dropout}, {"targets", targets}};
}

LoraConfig LoraConfig::from_json(const nlohmann::json& j) {
  LoraConfig c;
  c.rank = j.at("rank").get<int64_t>();
  c.alpha = j.at("alpha").get<double>();
  c.dropout = j.value("dropout", 0.0);
  c.targets = j.value("targets", c.targets);
  return c;
}

LoraLinear::LoraLinear(std::shared_ptr<LinearLayer> base_layer, const LoraConfig& cfg)
    : LinearLayer(base_layer->in_features, base_layer->out_features), config(cfg) {
  SUBQ_CHECK(cfg.rank > 0 && cfg.rank <= std::min(in_features, out_features),
             "LoRA rank {} is invalid for a {}x{} layer", cfg.rank, out_features, in_features);
  base = register_module("base", std::move(base_layer));
  freeze(*base);
  // PEFT: kaiming_uniform_(A, a=sqrt(5)) -> U(-1/sqrt(in), 1/sqrt(in)); B = 0 so the
  // adapter starts as the identity change.
  // The adapter lives on the base weight's device; it is initialised on the CPU so a seed
  // gives the same adapter on every device.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  const auto params = base->parameters();
  const auto device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
  lora_A = register_parameter("lora_A", torch::empty({cfg.rank, in_features}).uniform_(-bound, bound).to(device));
  lora_B = register_parameter("lora_B", torch::zeros({out_features, cfg.rank}, torch::TensorOptions().device(device)));
}

torch::Tensor LoraLinear::forward(const torch::Tensor& x) {
  auto h = x;
  if (config.dropout > 0) h = torch::dropout(h, config.dropout, is_training());
  auto update = torch::nn::functional::linear(torch::nn::functional::linear(h, lora_A), lora_B);
  return base->forward(x) + update * config.scaling();
}

torch::Tensor LoraLinear::effective_weight() const {
  return base->effective_weight() + torch::matmul(lora_B, lora_A) * config.scaling();
}

std::shared_ptr<DenseLinear> LoraLinear::merged() const {
  torch::NoGradGuard no_grad;
  auto bias = effective_bias();
  return std::make_shared<DenseLinear>(effective_weight().detach().clone(),
                                       bias ? c10::optional<torch::Tensor>(bias->detach().clone())
                                            : c10::nullopt);
}

std::vector<std::string> apply_lora(const LinearWalker& walk, const LoraConfig& config) {
  std::vector<std::string> wrapped;
  walk([&](const LinearRef& ref) {
    if (!linear_name_matches(ref.path, config.targets)) return;
    SUBQ_CHECK(!std::dynamic_pointer_cast<LoraLinear>(*ref.slot), "{} already has a LoRA adapter",
               ref.path);
    replace_linear(ref, std::make_shared<LoraLinear>(*ref.slot, config));
    wrapped.push_back(ref.path);
  });
  SUBQ_CHECK(!wrapped.empty(), "LoRA targets '{}' match no linear layer of the model", config.targets);
  return wrapped;
}

int merge_lora(const LinearWalker& walk) {
  int merged = 0;
  walk([&](const LinearRef& ref) {
    if (auto lora = std::dynamic_pointer_cast<LoraLinear>(*ref.slot)) {
      replace_linear(ref, lora->merged());
      ++merged;
    }
  });
  return merged;
}

std::vector<std::pair<std::string, std::shared_ptr<LoraLinear>>> lora_layers(const LinearWalker& walk) {
  std::vector<std::pair<std::string, std::shared_ptr<LoraLinear>>> out;
  walk([&](const LinearRef& ref) {
    if (auto lora = std::dynamic_pointer_cast<LoraLinear>(*ref.slot)) out.emplace_back(ref.path, lora);
  });
  return out;
}

void save_peft_adapter(const std::filesystem::path& dir, const LinearWalker& walk,
                       const LoraConfig& config, const PeftNameMap& peft_name,
                       const std::string& base_model_name_or_path) {
  io::TensorMap tensors;
  for (const auto& [path, lora] : lora_layers(walk)) {
    const auto module = peft_name(path);
    tensors[peft_key(module, "lora_A")] = lora->lora_A.detach().contiguous();
    tensors[peft_key(module, "lora_B")] = lora->lora_B.detach().contiguous();
  }
  SUBQ_CHECK(!tensors.empty(), "save_peft_adapter: the model has no LoRA layers");
  std::filesystem::create_directories(dir);
  io::save_safetensors(dir / kPeftWeightsFile, tensors, {{"format", "pt"}});
  const nlohmann::json peft = {
      {"peft_type", "LORA"},          {"task_type", "CAUSAL_LM"},
      {"r", config.rank},             {"lora_alpha", config.alpha},
      {"lora_dropout", config.dropout}, {"target_modules", split_targets(config.targets)},
      {"bias", "none"},               {"fan_in_fan_out", false},
      {"inference_mode", true},       {"modules_to_save", nullptr},
      {"base_model_name_or_path", base_model_name_or_path}};
  write_text_atomically(dir / kPeftConfigFile, peft.dump(2) + "\n");
}

LoraConfig read_peft_config(const std::filesystem::path& dir) {
  const auto path = dir / kPeftConfigFile;
  const nlohmann::json j = read_json_file(path);
  SUBQ_CHECK(j.value("peft_type", "") == "LORA", "{}: peft_type is not LORA", path.string());
  LoraConfig c;
  c.rank = j.at("r").get<int64_t>();
  c.alpha = j.at("lora_alpha").get<double>();
  c.dropout = j.value("lora_dropout", 0.0);
  std::string targets;
  for (const auto& t : j.at("target_modules")) targets += (targets.empty() ? "" : ",") + t.get<std::string>();
  c.targets = targets;
  return c;
}

void load_peft_adapter(const std::filesystem::path& dir, const LinearWalker& walk,
                       const PeftNameMap& peft_name) {
  const auto config = read_peft_config(dir);
  const auto weights_path = dir / kPeftWeightsFile;
  io::SafetensorsFile file(weights_path);
  apply_lora(walk, config);
  size_t used = 0;
  torch::NoGradGuard no_grad;
  for (const auto& [path, lora] : lora_layers(walk)) {
    const auto module = peft_name(path);
    for (auto [matrix, target] : {std::pair<const char*, torch::Tensor*>{"lora_A", &lora->lora_A},
                                  {"lora_B", &lora->lora_B}}) {
      const auto key = peft_key(module, matrix);
      SUBQ_CHECK(file.contains(key), "{}: no tensor '{}' for layer {}", weights_path.string(), key, path);
      auto t = file.load(key);
      SUBQ_CHECK(t.sizes() == target->sizes(), "{}: '{}' has shape {} but the layer needs {}",
                 weights_path.string(), key, fmt::format("{}", fmt::join(t.sizes(), "x")),
                 fmt::format("{}", fmt::join(target->sizes(), "x")));
      target->copy_(t);
      ++used;
    }
  }
  SUBQ_CHECK(used == file.entries().size(), "{}: holds {} tensors but only {} match the model's adapters",
             weights_path.string(), file.entries().size(), used);
}

}  // namespace subq::nn
