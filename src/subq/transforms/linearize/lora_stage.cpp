#include "subq/transforms/linearize/lora_stage.h"

#include "subq/nn/freeze.h"

namespace subq::transforms {

std::vector<std::string> prepare_lora_stage(models::LlamaModelImpl& model, const nn::LoraConfig& config) {
  nn::freeze(model);
  return nn::apply_lora(linear_walker(model), config);
}

train::LossSum next_token_loss(models::LlamaModelImpl& model, const data::TokenBatch& batch) {
  auto logits = model.forward(batch.input_ids);
  auto labels = batch.labels.to(logits.device());
  auto loss = torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}), labels.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(data::kIgnoreLabel).reduction(torch::kSum));
  return {loss, static_cast<double>(batch.trained_tokens()), batch.input_ids.numel()};
}

nn::LinearWalker linear_walker(models::LlamaModelImpl& model) {
  return [&model](const nn::LinearVisitor& visit) { model.for_each_linear(visit); };
}

std::string hf_module_name(const std::string& subq_path) {
  std::string name = subq_path;
  const std::string attn = ".attn.";
  if (auto pos = name.find(attn); pos != std::string::npos) name.replace(pos, attn.size(), ".self_attn.");
  return name == "output" ? "lm_head" : "model." + name;
}

}  // namespace subq::transforms
