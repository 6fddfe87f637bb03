#include "subq/tokenize/pre_tokenizer.h"

#include "subq/tokenize/unicode.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

constexpr uint32_t kEnd = 0xFFFFFFFEu;  // "past the end": matches no class

// Character classes over a range of decoded characters; positions past the range match no
// class, which is what the regex lookahead (?!\S) and "end of input" need.
struct CharRange {
  const std::vector<Utf8Char>& chars;
  size_t begin, end;

  uint32_t cp(size_t i) const { return i < end ? chars[i].codepoint : kEnd; }
  bool letter(size_t i) const { return is_letter(cp(i)); }
  bool number(size_t i) const { return is_number(cp(i)); }
  bool space(size_t i) const { return is_whitespace(cp(i)); }
  bool newline(size_t i) const { return cp(i) == '\r' || cp(i) == '\n'; }
  // [^\s\p{L}\p{N}]: any character (also invalid bytes) that is none of the three.
  bool other(size_t i) const { return i < end && !space(i) && !letter(i) && !number(i); }
  // Position after the run of characters of class `cls` starting at `i`.
  template <typename Cls>
  size_t run_end(size_t i, Cls cls) const {
    while (i < end && cls(i)) ++i;
    return i;
  }

  // Length of a contraction ('s 't 're 've 'm 'll 'd) at `pos`, 0 if none. `fold_case`:
  // the Qwen2 pattern matches them case-insensitively ('S, 'Re ...).
  size_t contraction(size_t pos, bool fold_case) const {
    if (cp(pos) != '\'') return 0;
    auto lower = [&](size_t i) {
      const uint32_t c = cp(i);
      return fold_case && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    };
    const uint32_t c1 = lower(pos + 1), c2 = lower(pos + 2);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
    return 0;
  }

  // \s+(?!\S)|\s+ at `pos` (a whitespace character): a run followed by a non-space leaves
  // its last character to start the next word.
  size_t trailing_space(size_t pos) const {
    const size_t run = run_end(pos, [&](size_t i) { return space(i); }) - pos;
    return run > 1 && pos + run < end ? run - 1 : run;
  }

  // Cuts the range into words, each `match(pos)` characters long (always >= 1).
  template <typename Match>
  void split(const std::string& text, Match match, std::vector<std::string>& out) const {
    for (size_t pos = begin; pos < end;) {
      const size_t n = match(pos);
      const size_t first = chars[pos].offset;
      const size_t last = chars[pos + n - 1].offset + chars[pos + n - 1].length;
      out.push_back(text.substr(first, last - first));
      pos += n;
    }
  }
};

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t match_gpt2(const CharRange& r, size_t pos) {
  if (size_t n = r.contraction(pos, false)) return n;
  const size_t body = pos + (r.cp(pos) == ' ' ? 1 : 0);  // the optional leading space
  for (auto cls : {&CharRange::letter, &CharRange::number, &CharRange::other})
    if ((r.*cls)(body)) return r.run_end(body, [&](size_t i) { return (r.*cls)(i); }) - pos;
  if (r.space(pos)) return r.trailing_space(pos);
  return 1;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t match_qwen2(const CharRange& r, size_t pos) {
  auto letter = [&](size_t i) { return r.letter(i); };
  if (size_t n = r.contraction(pos, true)) return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+: one leading character that is no letter, digit or newline
  // (a space, tab, punctuation ...) may join the letters after it.
  if (r.letter(pos)) return r.run_end(pos, letter) - pos;
  if (pos < r.end && !r.number(pos) && !r.newline(pos) && r.letter(pos + 1))
    return r.run_end(pos + 1, letter) - pos;
  if (r.number(pos)) return 1;  // \p{N}: digits one at a time
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`: symbols keep the newlines that follow them.
  const size_t body = pos + (r.cp(pos) == ' ' ? 1 : 0);
  if (r.other(body)) {
    const size_t symbols = r.run_end(body, [&](size_t i) { return r.other(i); });
    return r.run_end(symbols, [&](size_t i) { return r.newline(i); }) - pos;
  }
  // \s*[\r\n]+: a whitespace run containing a newline ends after its last newline (the
  // greedy \s* backtracks to it).
  const size_t run = r.run_end(pos, [&](size_t i) { return r.space(i); });
  for (size_t i = run; i > pos; --i)
    if (r.newline(i - 1)) return i - pos;
  if (run > pos) return r.trailing_space(pos);
  return 1;
}

}  // namespace

PreTokenizer pre_tokenizer_from_name(const std::string& name) {
  if (name == "default" || name == "gpt2" || name == "gpt-2") return PreTokenizer::Gpt2;
  if (name == "smollm" || name == "starcoder" || name == "refact" || name == "codeshell")
    return PreTokenizer::Gpt2IndividualDigits;
  if (name == "qwen2") return PreTokenizer::Qwen2;
  fail("BPE pre-tokenizer '{}' is not supported (supported: default, gpt2, smollm, starcoder, "
       "refact, codeshell, qwen2)", name);
}

std::vector<std::string> pre_tokenize(const std::string& text, PreTokenizer kind) {
  const std::vector<Utf8Char> chars = split_utf8(text);
  std::vector<std::string> words;
  auto gpt2 = [](const CharRange& r) { return [&r](size_t pos) { return match_gpt2(r, pos); }; };
  if (kind == PreTokenizer::Qwen2) {
    const CharRange r{chars, 0, chars.size()};
    r.split(text, [&](size_t pos) { return match_qwen2(r, pos); }, words);
    return words;
  }
  if (kind == PreTokenizer::Gpt2) {
    const CharRange r{chars, 0, chars.size()};
    r.split(text, gpt2(r), words);
    return words;
  }
  // Individual digits: each \p{N} character is a word; the text between goes through GPT-2.
  size_t start = 0;
  for (size_t i = 0; i <= chars.size(); ++i) {
    if (i < chars.size() && !is_number(chars[i].codepoint)) continue;
    const CharRange r{chars, start, i};
    r.split(text, gpt2(r), words);
    if (i < chars.size()) words.push_back(text.substr(chars[i].offset, chars[i].length));
    start = i + 1;
  }
  return words;
}

}  // namespace subq::tokenize
