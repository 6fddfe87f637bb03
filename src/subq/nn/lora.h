// LoRA (Hu et al. 2021) as a swappable linear layer: a frozen base layer plus a trainable
// low-rank update, y = base(x) + (alpha / r) * x A^T B^T. Initialised as Hugging Face PEFT
// does (A kaiming-uniform with a = sqrt(5), B zeros) so a fresh adapter leaves the model's
// output unchanged. Adapters can be merged into dense weights for export, and saved/loaded
// in PEFT's on-disk layout (adapter_config.json + adapter_model.safetensors).
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/nn/linear.h"

namespace subq::nn {

struct LoraConfig {
  int64_t rank = 8;
  double alpha = 16.0;
  double dropout = 0.0;
  // Which linears get adapters (nn::linear_name_matches patterns).
  std::string targets = "q_proj,k_proj,v_proj,o_proj";
  double scaling() const { return alpha / static_cast<double>(rank); }
  nlohmann::json to_json() const;
  static LoraConfig from_json(const nlohmann::json& j);
};

class LoraLinear : public LinearLayer {
 public:
  // Wraps `base` and freezes its parameters.
  LoraLinear(std::shared_ptr<LinearLayer> base, const LoraConfig& config);
  torch::Tensor forward(const torch::Tensor& x) override;
  // Base weight + scaling * B A: what a merged export stores.
  torch::Tensor effective_weight() const override;
  c10::optional<torch::Tensor> effective_bias() const override { return base->effective_bias(); }
  // A DenseLinear computing the same function (for export and fast inference).
  std::shared_ptr<DenseLinear> merged() const;

  std::shared_ptr<LinearLayer> base;
  torch::Tensor lora_A;  // (r, in)
  torch::Tensor lora_B;  // (out, r)
  const LoraConfig config;
};

// Visits a model's swappable linears (a model's for_each_linear bound to it).
using LinearWalker = std::function<void(const LinearVisitor&)>;

// Wraps every linear whose path matches config.targets in a LoraLinear; returns the
// wrapped paths in visiting order. Fails when nothing matches.
std::vector<std::string> apply_lora(const LinearWalker& walk, const LoraConfig& config);

// Replaces every LoraLinear by its merged DenseLinear; returns how many were merged.
int merge_lora(const LinearWalker& walk);

// The model's adapters in visiting order, with their paths.
std::vector<std::pair<std::string, std::shared_ptr<LoraLinear>>> lora_layers(const LinearWalker& walk);

// PEFT layout. `peft_name` maps a subq path ("layers.3.attn.q_proj") to the Hugging Face
// module name ("model.layers.3.self_attn.q_proj"); keys become
// "base_model.model.<name>.lora_A.weight".
using PeftNameMap = std::function<std::string(const std::string& subq_path)>;
void save_peft_adapter(const std::filesystem::path& dir, const LinearWalker& walk,
                       const LoraConfig& config, const PeftNameMap& peft_name,
                       const std::string& base_model_name_or_path);
// Reads adapter_config.json (rank, alpha, target modules) from a PEFT directory.
LoraConfig read_peft_config(const std::filesystem::path& dir);
// Applies LoRA to the matching linears and loads A/B from the directory; every adapter in
// the file must find its layer and vice versa.
void load_peft_adapter(const std::filesystem::path& dir, const LinearWalker& walk,
                       const PeftNameMap& peft_name);

}  // namespace subq::nn
