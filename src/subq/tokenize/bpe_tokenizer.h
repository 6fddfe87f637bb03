// GPT-2-style byte-level BPE (SmolLM2, GPT-2, StarCoder): text is cut into words by a
// pre-tokenizer, each word's UTF-8 bytes are mapped to printable characters (GPT-2's
// bytes_to_unicode), and adjacent symbols are merged by merge rank, lowest first.
// Special tokens ("<|im_start|>") are matched in the text first when parse_special.
#pragma once
#include <array>
#include <unordered_map>
#include <utility>

#include "subq/tokenize/pre_tokenizer.h"
#include "subq/tokenize/tokenizer.h"
#include "subq/tokenize/vocab.h"

namespace subq::tokenize {

class BpeTokenizer : public Tokenizer {
 public:
  // `merges` are "left right" token strings in rank order (GGUF tokenizer.ggml.merges).
  BpeTokenizer(Vocab vocab, const std::vector<std::string>& merges, PreTokenizer pre,
               const std::string& source);

  std::vector<int32_t> encode(const std::string& text, bool add_bos,
                              bool parse_special = true) const override;
  // Exact inverse of encode for any text: token bytes concatenated, specials as their text.
  std::string decode(const std::vector<int32_t>& ids) const override;
  std::string token_text(int32_t id) const override;
  int32_t vocab_size() const override { return vocab_.size(); }
  int32_t find_token(const std::string& piece) const override { return vocab_.find(piece); }
  // EOS, and also <|im_end|> / <|endoftext|> when the vocabulary has them.
  bool is_end_of_generation(int32_t id) const override;
  const Vocab& vocab() const { return vocab_; }

 private:
  void encode_word(const std::string& word, std::vector<int32_t>& out) const;

  struct Merge {
    int32_t rank, result;
  };
  Vocab vocab_;
  PreTokenizer pre_;
  std::unordered_map<uint64_t, Merge> merges_;   // (left id << 32 | right id) -> merge
  std::array<int32_t, 256> byte_token_{};        // token of each single byte, -1 if absent
  std::vector<std::string> token_bytes_;         // decoded bytes of every token
  std::vector<int32_t> end_ids_;
};

// GPT-2's reversible byte -> printable code point map (bytes_to_unicode in encoder.py).
const std::array<uint32_t, 256>& byte_to_codepoint();

}  // namespace subq::tokenize
