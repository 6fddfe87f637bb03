#include "subq/train/training_checkpoint.h"

#include <sstream>
#include <type_traits>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "subq/io/safetensors.h"
#include "subq/util/error.h"

namespace subq::train {

namespace {
constexpr const char* kStateKey = "training_state";
constexpr const char* kFingerprintKey = "fingerprint";
constexpr const char* kRngTensor = "rng/cpu";

// LibTorch keys per-parameter optimizer state by the parameter's TensorImpl address: as its
// printed form in LibTorch 1.x (a std::string), as the pointer itself in 2.x.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::AdamW&>().state())>::key_type;

template <typename Key>
Key tensor_impl_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream out;  // what c10::guts::to_string did in LibTorch 1.x
    out << p.unsafeGetTensorImpl();
    return out.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

OptimizerStateKey optimizer_key(const torch::Tensor& p) { return tensor_impl_key<OptimizerStateKey>(p); }

nlohmann::json to_json(const TrainProgress& p) {
  return {{"step", p.step},         {"samples", p.samples},       {"tokens", p.tokens},
          {"best_step", p.best_step}, {"best_val", p.best_val},   {"last_val", p.last_val},
          {"last_train_loss", p.last_train_loss}, {"seconds", p.seconds}, {"lr", p.lr},
          {"plateau_bad", p.plateau_bad}};
}

TrainProgress from_json(const nlohmann::json& j) {
  TrainProgress p;
  p.step = j.at("step");
  p.samples = j.at("samples");
  p.tokens = j.at("tokens");
  p.best_step = j.at("best_step");
  p.best_val = j.at("best_val");
  p.last_val = j.at("last_val");
  p.last_train_loss = j.at("last_train_loss");
  p.seconds = j.at("seconds");
  p.lr = j.at("lr");
  p.plateau_bad = j.at("plateau_bad");
  return p;
}
}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters(true))
    if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
  return out;
}

void save_training_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                              const std::map<std::string, torch::Tensor>& best,
                              torch::optim::AdamW& optimizer, const TrainProgress& progress,
                              const std::string& fingerprint) {
  io::TensorMap tensors;
  nlohmann::json adam_steps = nlohmann::json::object();
  auto& state = optimizer.state();
  for (const auto& [name, p] : trainable_parameters(model)) {
    tensors["param/" + name] = p.detach();
    auto it = state.find(optimizer_key(p));
    if (it == state.end()) continue;
    auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
    tensors["adam/" + name + "/exp_avg"] = s.exp_avg();
    tensors["adam/" + name + "/exp_avg_sq"] = s.exp_avg_sq();
    adam_steps[name] = s.step();
  }
  for (const auto& [name, t] : best) tensors["best/" + name] = t;
  tensors[kRngTensor] = at::detail::getDefaultCPUGenerator().get_state();
  auto meta = to_json(progress);
  meta["adam_steps"] = adam_steps;
  io::save_safetensors(path, tensors, {{kStateKey, meta.dump()}, {kFingerprintKey, fingerprint}});
}

TrainProgress load_training_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                                       std::map<std::string, torch::Tensor>* best,
                                       torch::optim::AdamW& optimizer, const std::string& fingerprint) {
  io::SafetensorsFile file(path);
  const auto& meta = file.metadata();
  SUBQ_CHECK(meta.count(kStateKey) && meta.count(kFingerprintKey),
             "{}: not a subq training checkpoint (no training_state metadata)", path.string());
  SUBQ_CHECK(meta.at(kFingerprintKey) == fingerprint,
             "{}: was written by a run with other settings ({}), not ({}); delete it or use another "
             "output directory",
             path.string(), meta.at(kFingerprintKey), fingerprint);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(meta.at(kStateKey));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: corrupt training_state metadata ({})", path.string(), e.what());
  }
  auto load = [&](const std::string& key, const torch::Tensor& like) {
    SUBQ_CHECK(file.contains(key), "{}: missing tensor '{}'", path.string(), key);
    auto t = file.load(key, false);
    SUBQ_CHECK(t.sizes() == like.sizes(), "{}: tensor '{}' has another shape than the model's", path.string(), key);
    return t.to(like.device(), like.dtype());
  };
  torch::NoGradGuard no_grad;
  auto& state = optimizer.state();
  const auto& adam_steps = j.at("adam_steps");
  for (const auto& [name, p] : trainable_parameters(model)) {
    p.copy_(load("param/" + name, p));
    if (file.contains("best/" + name)) (*best)[name] = load("best/" + name, p);
    if (!adam_steps.contains(name)) continue;
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(adam_steps.at(name).get<int64_t>());
    s->exp_avg(load("adam/" + name + "/exp_avg", p));
    s->exp_avg_sq(load("adam/" + name + "/exp_avg_sq", p));
    state[optimizer_key(p)] = std::move(s);
  }
  if (file.contains(kRngTensor)) {
    auto generator = at::detail::getDefaultCPUGenerator();  // a handle to the global generator
    generator.set_state(file.load(kRngTensor, false));
  }
  try {
    return from_json(j);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: incomplete training_state metadata ({})", path.string(), e.what());
  }
}

}  // namespace subq::train
