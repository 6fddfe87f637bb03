// SentencePiece-style tokenizer (Llama 1/2, llama2.c): a space is prepended, spaces become
// "▁", the text starts as one symbol per UTF-8 character, and adjacent symbols are merged
// greedily, always taking the pair whose merged string has the highest score (leftmost on
// ties), as SentencePiece's BPE model, llama.cpp's llm_tokenizer_spm and llama2.c do.
// Characters left outside the vocabulary become their UTF-8 bytes as <0xXX> tokens.
#pragma once
#include <array>

#include "subq/tokenize/tokenizer.h"
#include "subq/tokenize/vocab.h"

namespace subq::tokenize {

class SpmTokenizer : public Tokenizer {
 public:
  // `vocab` needs scores; `add_space_prefix` is SentencePiece's add_dummy_prefix.
  SpmTokenizer(Vocab vocab, bool add_space_prefix = true);

  std::vector<int32_t> encode(const std::string& text, bool add_bos,
                              bool parse_special = true) const override;
  // Concatenated token texts with BOS/EOS left out and the prefix space of the first token
  // removed (SentencePiece's decoding).
  std::string decode(const std::vector<int32_t>& ids) const override;
  // "▁" shown as a space, byte tokens as their raw byte, control tokens as "".
  std::string token_text(int32_t id) const override;
  int32_t vocab_size() const override { return vocab_.size(); }
  int32_t find_token(const std::string& piece) const override { return vocab_.find(piece); }
  const Vocab& vocab() const { return vocab_; }

 private:
  void encode_fragment(const std::string& text, std::vector<int32_t>& out) const;
  // The id of a merged piece if merging may produce it, else -1.
  int32_t mergeable_id(const std::string& piece) const;

  Vocab vocab_;
  bool add_space_prefix_;
  std::array<int32_t, 256> byte_ids_{};  // <0xXX> token of each byte, -1 when absent
};

}  // namespace subq::tokenize
