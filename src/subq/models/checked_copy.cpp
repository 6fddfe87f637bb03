#include "subq/models/checked_copy.h"

#include <fmt/ranges.h>

#include "subq/util/error.h"

namespace subq::models {

void copy_checked(torch::Tensor& param, const torch::Tensor& stored, const std::string& file,
                  const std::string& name, const std::string& needs) {
  SUBQ_CHECK(stored.defined(), "{}: missing tensor '{}'", file, name);
  SUBQ_CHECK(stored.sizes() == param.sizes(), "{}: tensor '{}' has shape [{}] but {} needs [{}]", file, name,
             fmt::join(stored.sizes(), ", "), needs, fmt::join(param.sizes(), ", "));
  SUBQ_CHECK(torch::isfinite(stored).all().item<bool>(), "{}: tensor '{}' holds NaN or infinite values", file,
             name);
  torch::NoGradGuard no_grad;
  param.copy_(stored);
}

void load_named_parameters(torch::nn::Module& module,
                           const std::vector<std::pair<std::string, std::string>>& names,
                           const std::function<torch::Tensor(const std::string&)>& source, const std::string& file,
                           const std::string& needs) {
  auto params = module.named_parameters(/*recurse=*/true);
  for (const auto& [stored, name] : names) {
    auto* param = params.find(name);
    SUBQ_CHECK(param != nullptr, "internal: the model has no parameter '{}'", name);
    copy_checked(*param, source(stored), file, stored, needs);
  }
}

}  // namespace subq::models
