#include "subq/tokenize/bpe_tokenizer.h"

#include <limits>

#include "subq/tokenize/unicode.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

uint64_t pair_key(int32_t left, int32_t right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }

}  // namespace

const std::array<uint32_t, 256>& byte_to_codepoint() {
  static const std::array<uint32_t, 256> table = [] {
    // Printable Latin-1 bytes map to themselves; the rest to 256, 257, ... in byte order.
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      t[b] = printable ? b : next++;
    }
    return t;
  }();
  return table;
}

BpeTokenizer::BpeTokenizer(Vocab vocab, const std::vector<std::string>& merges, PreTokenizer pre,
                           const std::string& source)
    : vocab_(std::move(vocab)), pre_(pre) {
  bos_id_ = vocab_.bos;
  add_bos_ = vocab_.add_bos;
  eos_id_ = vocab_.eos;
  std::unordered_map<uint32_t, uint8_t> codepoint_to_byte;
  for (int b = 0; b < 256; ++b) {
    codepoint_to_byte[byte_to_codepoint()[b]] = uint8_t(b);
    byte_token_[b] = vocab_.find(encode_utf8(byte_to_codepoint()[b]));
  }
  // Bytes of each token: special tokens stand for their own text, others are byte-mapped.
  token_bytes_.resize(vocab_.tokens.size());
  for (int32_t id = 0; id < vocab_.size(); ++id) {
    const std::string& token = vocab_.tokens[id];
    if (vocab_.is_special(id)) {
      token_bytes_[id] = token;
      continue;
    }
    for (const Utf8Char& c : split_utf8(token)) {
      auto it = codepoint_to_byte.find(c.codepoint);
      // A character outside the byte map (malformed vocab) is kept as its own UTF-8.
      token_bytes_[id] += it != codepoint_to_byte.end() ? std::string(1, char(it->second))
                                                        : token.substr(c.offset, c.length);
    }
  }
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& m = merges[rank];
    const size_t space = m.find(' ', 1);
    SUBQ_CHECK(space != std::string::npos, "{}: merge {} ('{}') is not two tokens separated by a space",
               source, rank, m);
    const int32_t left = vocab_.find(m.substr(0, space)), right = vocab_.find(m.substr(space + 1));
    const int32_t result = vocab_.find(m.substr(0, space) + m.substr(space + 1));
    if (left < 0 || right < 0 || result < 0) continue;  // unusable merge: ignored, as HF does
    merges_.emplace(pair_key(left, right), Merge{int32_t(rank), result});
  }
  for (const char* name : {"<|im_end|>", "<|endoftext|>", "<|eot_id|>"})
    if (int32_t id = vocab_.find(name); id >= 0) end_ids_.push_back(id);
}

bool BpeTokenizer::is_end_of_generation(int32_t id) const {
  if (id == eos_id_) return true;
  for (int32_t e : end_ids_)
    if (e == id) return true;
  return false;
}

void BpeTokenizer::encode_word(const std::string& word, std::vector<int32_t>& out) const {
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  for (unsigned char b : word)
    if (byte_token_[b] >= 0) symbols.push_back(byte_token_[b]);
    else if (vocab_.unk >= 0) symbols.push_back(vocab_.unk);
  // Repeatedly apply the lowest-ranked merge (leftmost on ties). Words are short, so the
  // quadratic scan beats a heap here.
  while (symbols.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max(), best_result = -1;
    size_t best_at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merges_.find(pair_key(symbols[i], symbols[i + 1]));
      if (it != merges_.end() && it->second.rank < best_rank)
        best_rank = it->second.rank, best_result = it->second.result, best_at = i;
    }
    if (best_result < 0) break;
    symbols[best_at] = best_result;
    symbols.erase(symbols.begin() + best_at + 1);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& text, bool add_bos,
                                          bool parse_special) const {
  std::vector<int32_t> ids;
  if (add_bos && adds_bos()) ids.push_back(bos_id_);
  for (const auto& fragment : vocab_.split_special(text, parse_special)) {
    if (fragment.special_id >= 0) {
      ids.push_back(fragment.special_id);
      continue;
    }
    for (const std::string& word : pre_tokenize(fragment.text, pre_)) encode_word(word, ids);
  }
  return ids;
}

std::string BpeTokenizer::token_text(int32_t id) const {
  SUBQ_CHECK(id >= 0 && id < vocab_.size(), "token id {} is outside the vocabulary of {}", id,
             vocab_.size());
  return token_bytes_[id];
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) out += token_text(id);
  return out;
}

}  // namespace subq::tokenize
