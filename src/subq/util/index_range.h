// "FIRST-LAST" ranges typed on command lines (--docs 201-1000, --layers 0-14): one parser so
// every option reads them the same way. Bounds and base (0- or 1-based) are the caller's.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace subq {

// FIRST and LAST of "FIRST-LAST" (integers, nothing else around them); nullopt otherwise.
std::optional<std::pair<int64_t, int64_t>> parse_index_range(const std::string& text);

}  // namespace subq
