#include "subq/tokenize/spm_tokenizer.h"

#include <queue>

#include "subq/tokenize/unicode.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

const std::string kSpaceMarker = "\xe2\x96\x81";  // U+2581 "▁"

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  size_t pos = 0;
  for (size_t at; (at = text.find(from, pos)) != std::string::npos; pos = at + from.size())
    out.append(text, pos, at - pos).append(to);
  return out.append(text, pos, std::string::npos);
}

// A symbol of the merge loop: a byte range of the text, in a doubly linked list.
struct Symbol {
  int prev, next;
  size_t begin, length;
};

struct Bigram {
  int left, right;
  float score;
  size_t length;  // merged length; a mismatch later means the bigram is stale
  bool operator<(const Bigram& o) const {  // priority_queue pops the greatest
    return score < o.score || (score == o.score && left > o.left);
  }
};

}  // namespace

SpmTokenizer::SpmTokenizer(Vocab vocab, bool add_space_prefix)
    : vocab_(std::move(vocab)), add_space_prefix_(add_space_prefix) {
  SUBQ_CHECK(vocab_.scores.size() == vocab_.tokens.size(),
             "SentencePiece tokenizer needs one score per token ({} scores, {} tokens)",
             vocab_.scores.size(), vocab_.tokens.size());
  bos_id_ = vocab_.bos;
  add_bos_ = vocab_.add_bos;
  eos_id_ = vocab_.eos;
  for (int b = 0; b < 256; ++b) byte_ids_[b] = vocab_.find(fmt::format("<0x{:02X}>", b));
}

int32_t SpmTokenizer::mergeable_id(const std::string& piece) const {
  const int32_t id = vocab_.find(piece);
  if (id < 0) return -1;
  const TokenType t = vocab_.types[id];
  // As SentencePiece: control, unknown, byte and unused pieces are never merge results.
  return (t == TokenType::Normal || t == TokenType::UserDefined || t == TokenType::Undefined) ? id : -1;
}

void SpmTokenizer::encode_fragment(const std::string& raw, std::vector<int32_t>& out) const {
  const std::string text = replace_all(raw, " ", kSpaceMarker);
  std::vector<Symbol> symbols;
  for (const Utf8Char& c : split_utf8(text))
    symbols.push_back({int(symbols.size()) - 1, int(symbols.size()) + 1, c.offset, c.length});
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::priority_queue<Bigram> queue;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t len = symbols[left].length + symbols[right].length;
    const int32_t id = mergeable_id(text.substr(symbols[left].begin, len));
    if (id >= 0) queue.push({left, right, vocab_.scores[id], len});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_pair(int(i) - 1, int(i));

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    // Stale: one side was merged away (length 0) or grew since the bigram was queued.
    if (left.length == 0 || right.length == 0 || left.length + right.length != b.length) continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_pair(left.prev, b.left);
    try_pair(b.left, left.next);
  }

  for (int i = 0; i >= 0; i = symbols[i].next) {
    const std::string piece = text.substr(symbols[i].begin, symbols[i].length);
    const int32_t id = vocab_.find(piece);
    if (id >= 0 && vocab_.types[id] != TokenType::Unused) {
      out.push_back(id);
      continue;
    }
    for (unsigned char byte : piece) {  // byte fallback, or <unk> without byte tokens
      const int32_t byte_id = byte_ids_[byte];
      if (byte_id >= 0) {
        out.push_back(byte_id);
      } else if (vocab_.unk >= 0) {
        out.push_back(vocab_.unk);
        break;
      }
    }
  }
}

std::vector<int32_t> SpmTokenizer::encode(const std::string& text, bool add_bos,
                                          bool parse_special) const {
  std::vector<int32_t> ids;
  if (add_bos && adds_bos()) ids.push_back(bos_id_);
  bool first = true;
  for (const auto& fragment : vocab_.split_special(text, parse_special)) {
    if (fragment.special_id >= 0) {
      ids.push_back(fragment.special_id);
    } else {
      // The dummy prefix goes only before the text at the very start (as llama.cpp).
      encode_fragment(add_space_prefix_ && first ? " " + fragment.text : fragment.text, ids);
    }
    first = false;
  }
  return ids;
}

std::string SpmTokenizer::token_text(int32_t id) const {
  SUBQ_CHECK(id >= 0 && id < vocab_.size(), "token id {} is outside the vocabulary of {}", id,
             vocab_.size());
  switch (vocab_.types[id]) {
    case TokenType::Control: return "";
    case TokenType::Byte: {
      for (int b = 0; b < 256; ++b)
        if (byte_ids_[b] == id) return std::string(1, char(b));
      return vocab_.tokens[id];
    }
    default: return replace_all(vocab_.tokens[id], kSpaceMarker, " ");
  }
}

std::string SpmTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  bool strip_prefix = add_space_prefix_;  // the dummy prefix: one space before the first piece
  for (int32_t id : ids) {
    if (id == bos_id_ || id == eos_id_) continue;
    std::string piece = token_text(id);
    if (strip_prefix && !piece.empty()) {
      if (piece[0] == ' ') piece.erase(0, 1);
      strip_prefix = false;
    }
    out += piece;
  }
  return out;
}

}  // namespace subq::tokenize
