#include "subq/data/bio_table.h"

#include <fmt/ranges.h>

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "subq/util/error.h"

namespace subq::data {
namespace {

std::vector<std::string> split_fields(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t end = line.find(delimiter, start);
    fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return fields;
}

}  // namespace

std::vector<std::string> read_text_lines(const std::filesystem::path& path) {
  // gzread passes plain files through unchanged, so one code path reads both.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  SUBQ_CHECK(file != nullptr, "{}: cannot open file", path.string());
  std::string content;
  std::vector<char> buffer(1 << 16);
  while (true) {
    const int n = gzread(file.get(), buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int code = 0;
      fail("{}: cannot read (corrupt or truncated gzip data?): {}", path.string(),
           gzerror(file.get(), &code));
    }
    if (n == 0) break;
    content.append(buffer.data(), static_cast<size_t>(n));
  }
  // A gzip stream cut short reads as a clean end of file; zlib reports it only here.
  int code = 0;
  const char* message = gzerror(file.get(), &code);
  SUBQ_CHECK(code == Z_OK || code == Z_STREAM_END, "{}: truncated or corrupt gzip data: {}",
             path.string(), message);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

size_t TextTable::column(const std::string& name) const {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) {
    fail("{}: no column '{}' (columns: {})", path, name, fmt::join(header, ", "));
  }
  return static_cast<size_t>(it - header.begin());
}

bool TextTable::has_column(const std::string& name) const {
  return std::find(header.begin(), header.end(), name) != header.end();
}

std::string TextTable::origin(size_t row) const {
  return fmt::format("{}:{}", path, line_numbers.at(row));
}

TextTable read_text_table(const std::filesystem::path& path) {
  const auto lines = read_text_lines(path);
  TextTable table;
  table.path = path.string();
  SUBQ_CHECK(!lines.empty() && !lines[0].empty(), "{}: empty file (expected a header row)",
             table.path);
  table.delimiter = lines[0].find('\t') != std::string::npos ? '\t' : ',';
  table.header = split_fields(lines[0], table.delimiter);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    SUBQ_CHECK(lines[i].find('"') == std::string::npos,
               "{}:{}: quoted fields are not supported", table.path, i + 1);
    auto fields = split_fields(lines[i], table.delimiter);
    SUBQ_CHECK(fields.size() == table.header.size(), "{}:{}: {} fields but the header has {}",
               table.path, i + 1, fields.size(), table.header.size());
    table.rows.push_back(std::move(fields));
    table.line_numbers.push_back(static_cast<int64_t>(i + 1));
  }
  SUBQ_CHECK(!table.rows.empty(), "{}: no data rows after the header", table.path);
  return table;
}

}  // namespace subq::data
