// The few Unicode facts tokenizers need: UTF-8 decoding that never fails (an invalid byte
// becomes a one-byte pseudo character, so byte-level tokenizers still round-trip it),
// UTF-8 encoding, and the \p{L}, \p{N} and \s classes of the GPT-2 pre-tokenizer regex.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace subq::tokenize {

// One character of a UTF-8 string: its code point and where its bytes are.
struct Utf8Char {
  uint32_t codepoint;  // kInvalidCodepoint for a byte that does not start a valid sequence
  uint32_t offset;
  uint32_t length;
};
constexpr uint32_t kInvalidCodepoint = 0xFFFFFFFFu;

std::vector<Utf8Char> split_utf8(const std::string& text);
// Bytes of the UTF-8 sequence starting at text[pos] (1 for invalid or truncated sequences).
size_t utf8_char_length(const std::string& text, size_t pos);
std::string encode_utf8(uint32_t codepoint);

bool is_letter(uint32_t codepoint);      // general category L*
bool is_number(uint32_t codepoint);      // general category N*
bool is_whitespace(uint32_t codepoint);  // Unicode White_Space property

namespace detail {
struct CodepointRange {
  uint32_t first, last;
};
extern const CodepointRange kLetterRanges[];
extern const size_t kLetterRanges_size;
extern const CodepointRange kNumberRanges[];
extern const size_t kNumberRanges_size;
}  // namespace detail

}  // namespace subq::tokenize
