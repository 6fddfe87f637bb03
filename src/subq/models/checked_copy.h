// The last step of every model loader: a checkpoint tensor goes into its parameter only after
// it is checked to be there, to have the parameter's shape and to hold finite values; errors
// name the file and the stored tensor.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace subq::models {

// `stored` may be undefined (missing). `needs` describes the config behind the shape, e.g.
// "the config (dim 64, ...)"; it defaults to "the config".
void copy_checked(torch::Tensor& param, const torch::Tensor& stored, const std::string& file,
                  const std::string& name, const std::string& needs = "the config");

// copy_checked for every (stored name, parameter name) pair: `source` returns the stored
// tensor or an undefined one; a parameter the module lacks is an internal error.
void load_named_parameters(torch::nn::Module& module,
                           const std::vector<std::pair<std::string, std::string>>& names,
                           const std::function<torch::Tensor(const std::string&)>& source, const std::string& file,
                           const std::string& needs = "the config");

}  // namespace subq::models
