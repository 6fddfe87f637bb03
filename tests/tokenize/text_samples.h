// Text for tokenizer tests: hand-picked hard cases plus lines of the shared corpora (read by
// path, never copied into the repository).
#pragma once
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace subq::test {

inline std::vector<std::string> hard_texts() {
  return {"Once upon a time", "Hello world", " leading space", "trailing space ", "  two leading",
          "a  b   c    d", "tabs\tand\nnewlines\n\n", "\n", " ", "x", "don't it's we're I'm",
          "12345 678.9 0x1F 3.14159", "Prices: $12.50, €3,99, ¥1000", "日本語のテキスト、中文文本。",
          "Ünïcödé àçcénts", "emoji 😀🎉👍🏽 family 👨‍👩‍👧", "code:\n    def f(x):\n\treturn x**2  # c\n",
          "ﬁ ligature, Ⅻ roman, ² superscript, ١٢٣ arabic digits", "   \n   \n", "!!!??? ...",
          "https://example.com/a?b=c&d=e", "’curly quotes’ “double”", "Здравствуй, мир",
          "\u00a0nbsp\u2009thin\u3000ideographic", "\x01\x02 control \x7f chars", "<s> and </s> in text"};
}

// Lines (split on "\n", "\r" stripped) of a shared text file; empty when it is absent.
inline std::vector<std::string> shared_lines(const std::string& relative) {
  const auto path = shared_file(relative);
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Up to `count` non-empty lines spread over a shared file.
inline std::vector<std::string> sample_shared_lines(const std::string& relative, size_t count) {
  std::vector<std::string> all, out;
  for (auto& l : shared_lines(relative))
    if (!l.empty()) all.push_back(std::move(l));
  for (size_t i = 0; i < count && !all.empty(); ++i) out.push_back(all[i * all.size() / count]);
  return out;
}

}  // namespace subq::test
