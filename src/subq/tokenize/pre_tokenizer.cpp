#include "subq/tokenize/pre_tokenizer.h"

#include "subq/tokenize/unicode.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

constexpr uint32_t kEnd = 0xFFFFFFFEu;  // "past the end": matches no class

struct Gpt2Splitter {
  const std::vector<Utf8Char>& chars;
  size_t begin, end;  // the character range being split

  uint32_t cp(size_t i) const { return i < end ? chars[i].codepoint : kEnd; }
  bool letter(size_t i) const { return is_letter(cp(i)); }
  bool number(size_t i) const { return is_number(cp(i)); }
  bool space(size_t i) const { return is_whitespace(cp(i)); }
  // [^\s\p{L}\p{N}]: any character (also invalid bytes) that is none of the three.
  bool other(size_t i) const { return i < end && !space(i) && !letter(i) && !number(i); }

  // Length in characters of the match starting at `pos` (always >= 1).
  size_t match(size_t pos) const {
    const uint32_t c = cp(pos);
    if (c == '\'') {  // 's|'t|'re|'ve|'m|'ll|'d
      const uint32_t c1 = cp(pos + 1), c2 = cp(pos + 2);
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
    }
    const size_t body = pos + (c == ' ' ? 1 : 0);  // the optional leading space
    for (auto cls : {&Gpt2Splitter::letter, &Gpt2Splitter::number, &Gpt2Splitter::other}) {
      if (!(this->*cls)(body)) continue;  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
      size_t i = body;
      while ((this->*cls)(i)) ++i;
      return i - pos;
    }
    size_t run = 0;
    while (space(pos + run)) ++run;
    // \s+(?!\S): a run followed by a non-space leaves its last character to start the next word.
    if (run > 1 && pos + run < end) return run - 1;
    if (run > 0) return run;  // \s+
    return 1;
  }

  void split(const std::string& text, std::vector<std::string>& out) const {
    for (size_t pos = begin; pos < end;) {
      const size_t n = match(pos);
      const size_t first = chars[pos].offset;
      const size_t last = chars[pos + n - 1].offset + chars[pos + n - 1].length;
      out.push_back(text.substr(first, last - first));
      pos += n;
    }
  }
};

}  // namespace

PreTokenizer pre_tokenizer_from_name(const std::string& name) {
  if (name == "default" || name == "gpt2" || name == "gpt-2") return PreTokenizer::Gpt2;
  if (name == "smollm" || name == "starcoder" || name == "refact" || name == "codeshell")
    return PreTokenizer::Gpt2IndividualDigits;
  fail("BPE pre-tokenizer '{}' is not supported (supported: default, gpt2, smollm, starcoder, "
       "refact, codeshell)", name);
}

std::vector<std::string> pre_tokenize(const std::string& text, PreTokenizer kind) {
  const std::vector<Utf8Char> chars = split_utf8(text);
  std::vector<std::string> words;
  if (kind == PreTokenizer::Gpt2) {
    Gpt2Splitter{chars, 0, chars.size()}.split(text, words);
    return words;
  }
  // Individual digits: each \p{N} character is a word; the text between goes through GPT-2.
  size_t start = 0;
  for (size_t i = 0; i <= chars.size(); ++i) {
    if (i < chars.size() && !is_number(chars[i].codepoint)) continue;
    Gpt2Splitter{chars, start, i}.split(text, words);
    if (i < chars.size()) words.push_back(text.substr(chars[i].offset, chars[i].length));
    start = i + 1;
  }
  return words;
}

}  // namespace subq::tokenize
