// Delimited text tables (CSV or TSV, plain or gzip-compressed) with a header row, as the
// bio data sets ship them. Quoting is not supported: bio tables hold sequences, numbers and
// flags, and a quote character is reported as an error instead of being misread.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace subq::data {

// All lines of a text file, gunzipped when the file is gzip data (detected by content, not
// name). Errors name the file.
std::vector<std::string> read_text_lines(const std::filesystem::path& path);

struct TextTable {
  std::string path;
  char delimiter = ',';
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> line_numbers;  // 1-based line of each row in the file

  // Column index of `name`; throws naming the file and the columns it has.
  size_t column(const std::string& name) const;
  bool has_column(const std::string& name) const;
  std::string origin(size_t row) const;  // "path:line"
};

// Reads a table; the delimiter is a tab when the header contains one, else a comma. Every
// row must have as many fields as the header; blank lines are skipped.
TextTable read_text_table(const std::filesystem::path& path);

}  // namespace subq::data
