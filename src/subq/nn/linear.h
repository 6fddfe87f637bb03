// Swappable linear layers. Every model in subq holds its projections as
// std::shared_ptr<LinearLayer> so transforms (LoRA, soft-rank compression, factorized export)
// can replace a layer in place without editing the model. A model lists its linears through
// `LinearVisitor` (see models' for_each_linear), and `replace_linear` swaps one.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <torch/torch.h>

namespace subq::nn {

class LinearLayer : public torch::nn::Module {
 public:
  LinearLayer(int64_t in_features, int64_t out_features)
      : in_features(in_features), out_features(out_features) {}
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // The dense (out x in) weight this layer currently computes (for SVD, merging, export).
  virtual torch::Tensor effective_weight() const = 0;
  virtual c10::optional<torch::Tensor> effective_bias() const { return c10::nullopt; }
  // Parameters this layer stores (for compression accounting).
  int64_t stored_parameters() const;
  const int64_t in_features, out_features;
};

// y = x W^T + b; the plain layer every model starts with.
class DenseLinear : public LinearLayer {
 public:
  DenseLinear(int64_t in_features, int64_t out_features, bool bias = false);
  // Takes ownership of given weights (out x in) and optional bias.
  DenseLinear(torch::Tensor weight, c10::optional<torch::Tensor> bias = c10::nullopt);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor effective_weight() const override { return weight; }
  c10::optional<torch::Tensor> effective_bias() const override;
  torch::Tensor weight, bias;  // bias undefined when absent
};

// One swappable slot: the module that owns it, the child name, and the pointer the owner
// calls through.
struct LinearRef {
  torch::nn::Module* owner;
  std::string name;                      // child name inside owner ("q_proj")
  std::string path;                      // full dotted name in the model ("layers.3.attn.q_proj")
  std::shared_ptr<LinearLayer>* slot;
};
using LinearVisitor = std::function<void(const LinearRef&)>;

// Swaps the layer in `ref` for `replacement` (registered under the same child name).
void replace_linear(const LinearRef& ref, std::shared_ptr<LinearLayer> replacement);

// Registers `layer` as child `name` of `owner` and returns it (helper for constructors).
std::shared_ptr<LinearLayer> register_linear(torch::nn::Module& owner, const std::string& name,
                                             std::shared_ptr<LinearLayer> layer);

// True when `path` matches a comma-separated list of patterns: "all", an exact name, a
// suffix after '.' ("q_proj"), or a glob with '*' ("layers.*.mlp.*").
bool linear_name_matches(const std::string& path, const std::string& patterns);

}  // namespace subq::nn
