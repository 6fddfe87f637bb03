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

}  // namespace subq::models
