#include "subq/io/token_ids.h"

#include <cctype>
#include <fstream>
#include <string>

#include "subq/util/error.h"

namespace subq::io {

std::vector<std::vector<int64_t>> read_token_id_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  SUBQ_CHECK(in.good(), "{}: cannot open the token-id file", path.string());
  std::vector<std::vector<int64_t>> sequences;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    std::vector<int64_t> ids;
    size_t i = 0;
    while (i < line.size()) {
      const char ch = line[i];
      if (ch == ',' || std::isspace(static_cast<unsigned char>(ch))) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
      SUBQ_CHECK(end > i && (end == line.size() || line[end] == ',' ||
                             std::isspace(static_cast<unsigned char>(line[end]))),
                 "{}:{}: '{}' is not a token id (non-negative integers separated by spaces or commas)",
                 path.string(), line_no, line.substr(i, std::min<size_t>(line.size() - i, 20)));
      SUBQ_CHECK(end - i <= 12, "{}:{}: token id '{}' is too large", path.string(), line_no, line.substr(i, end - i));
      ids.push_back(std::stoll(line.substr(i, end - i)));
      i = end;
    }
    if (!ids.empty()) sequences.push_back(std::move(ids));
  }
  SUBQ_CHECK(in.eof(), "{}: read error", path.string());
  SUBQ_CHECK(!sequences.empty(), "{}: holds no token ids", path.string());
  return sequences;
}

}  // namespace subq::io
