#include "subq/tokenize/unicode.h"

#include <algorithm>

namespace subq::tokenize {
namespace {

bool in_ranges(const detail::CodepointRange* ranges, size_t n, uint32_t cp) {
  const auto* end = ranges + n;
  const auto* it = std::upper_bound(ranges, end, cp,
                                    [](uint32_t c, const detail::CodepointRange& r) { return c < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Decodes the sequence at text[pos]; returns its length, or 0 when it is not valid UTF-8
// (bad lead byte, missing continuation, overlong form, surrogate, > U+10FFFF).
size_t decode_at(const std::string& text, size_t pos, uint32_t* cp) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data()) + pos;
  const size_t left = text.size() - pos;
  const uint8_t b = s[0];
  size_t len;
  uint32_t c;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    len = 2, c = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, c = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, c = b & 0x07;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if (!is_continuation(s[i])) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMinForLength[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return len;
}

}  // namespace

std::vector<Utf8Char> split_utf8(const std::string& text) {
  std::vector<Utf8Char> out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp = 0;
    size_t len = decode_at(text, pos, &cp);
    if (len == 0) cp = kInvalidCodepoint, len = 1;
    out.push_back({cp, uint32_t(pos), uint32_t(len)});
    pos += len;
  }
  return out;
}

size_t utf8_char_length(const std::string& text, size_t pos) {
  uint32_t cp;
  const size_t len = decode_at(text, pos, &cp);
  return len == 0 ? 1 : len;
}

std::string encode_utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
  return out;
}

bool is_letter(uint32_t cp) {
  return cp != kInvalidCodepoint && in_ranges(detail::kLetterRanges, detail::kLetterRanges_size, cp);
}

bool is_number(uint32_t cp) {
  return cp != kInvalidCodepoint && in_ranges(detail::kNumberRanges, detail::kNumberRanges_size, cp);
}

bool is_whitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace subq::tokenize
