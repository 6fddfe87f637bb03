// What the jet trainer needs from a tagger (ParT, PCN): logits from a JetBatch, the inputs it
// wants prepared (feature set, kNN graph), and its config as JSON for the checkpoint.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/data/jet_batch.h"
#include "subq/data/jet_inputs.h"
#include "subq/nn/linear.h"

namespace subq::models {

class JetTagger : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const data::JetBatch& batch) = 0;  // (B, classes) logits
  virtual data::JetInputSpec input_spec() const = 0;
  virtual nlohmann::json config_json() const = 0;
  // Called once before training with the prepared training inputs (e.g. PCN's input scaling).
  virtual void fit_input_scaling(const torch::Tensor& features, const torch::Tensor& mask) {}
  // The linears that compression may replace (ParT's projections); none by default (PCN).
  virtual void for_each_linear(const nn::LinearVisitor& visit) {}
};

// Builds the tagger a config names ({"model": "part" | "pcn", ...}).
std::shared_ptr<JetTagger> make_jet_tagger(const nlohmann::json& config);

int64_t count_parameters(const torch::nn::Module& module);

}  // namespace subq::models
