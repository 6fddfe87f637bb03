// The one thing compression needs from a model: a way to visit its swappable linear layers.
// Any torch::nn::Module with `void for_each_linear(const nn::LinearVisitor&)` (LlamaModel,
// ParT, Lyra, the test models) becomes a LinearSlots through `slots_of`, so the transforms in
// this folder are written once for every model.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "subq/nn/linear.h"

namespace subq::compress {

using LinearSlots = std::function<void(const nn::LinearVisitor&)>;

template <typename Model>
LinearSlots slots_of(Model& model) {
  return [&model](const nn::LinearVisitor& visit) { model.for_each_linear(visit); };
}

// The model's linears whose dotted path matches `patterns` (see nn::linear_name_matches;
// "attn" and "mlp" also match any path containing that component, e.g. "layers.3.attn.q").
std::vector<nn::LinearRef> chosen_linears(const LinearSlots& slots, const std::string& patterns);

}  // namespace subq::compress
