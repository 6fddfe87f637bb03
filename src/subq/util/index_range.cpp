#include "subq/util/index_range.h"

#include <sstream>

namespace subq {

std::optional<std::pair<int64_t, int64_t>> parse_index_range(const std::string& text) {
  int64_t first = 0, last = 0;
  char dash = 0;
  std::istringstream in(text);
  if ((in >> first >> dash >> last) && dash == '-' && in.peek() == EOF) return std::pair{first, last};
  return std::nullopt;
}

}  // namespace subq
