#include "subq/transforms/compress/linear_slots.h"

#include <fmt/ranges.h>

#include <sstream>

#include "subq/util/error.h"

namespace subq::compress {
namespace {

// "attn"/"mlp" name a block, not a layer: they match when any dotted component of the path
// equals them (nn::linear_name_matches only matches the last component).
bool has_component(const std::string& path, const std::string& component) {
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.'))
    if (part == component) return true;
  return false;
}

bool matches(const std::string& path, const std::string& patterns) {
  if (nn::linear_name_matches(path, patterns)) return true;
  std::stringstream ss(patterns);
  std::string p;
  while (std::getline(ss, p, ','))
    if (!p.empty() && p.find('*') == std::string::npos && has_component(path, p)) return true;
  return false;
}

}  // namespace

std::vector<nn::LinearRef> chosen_linears(const LinearSlots& slots, const std::string& patterns) {
  std::vector<nn::LinearRef> chosen;
  std::vector<std::string> all;
  slots([&](const nn::LinearRef& ref) {
    all.push_back(ref.path);
    if (matches(ref.path, patterns)) chosen.push_back(ref);
  });
  SUBQ_CHECK(!chosen.empty(), "no linear layer matches '{}' (the model has: {})", patterns,
             fmt::join(all, ", "));
  return chosen;
}

}  // namespace subq::compress
