// The interface shared by the bio sequence models (Lyra and its CNN / Transformer
// baselines): one-hot input (B, L, C) with all-zero rows for padding -> (B, outputs).
#pragma once
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/nn/linear.h"

namespace subq::models {

class BioSequenceModel : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  virtual void for_each_linear(const nn::LinearVisitor& visit) = 0;
  virtual std::string kind() const = 0;          // "lyra" | "cnn" | "transformer"
  virtual nlohmann::json config_json() const = 0;
  int64_t parameter_count() const;
};

// (B, L) float mask, 1 where the one-hot input holds a residue (padding rows are all zero;
// 'X'/'N' rows are not, so unknown residues count as positions).
torch::Tensor residue_mask(const torch::Tensor& x);
// Mean of h (B, L, d) over the positions where mask (B, L) is 1.
torch::Tensor masked_mean(const torch::Tensor& h, const torch::Tensor& mask);

}  // namespace subq::models
