// A token vocabulary shared by both tokenizer algorithms: token strings, SentencePiece
// scores, token types (as in GGUF / SentencePiece), special ids, a string -> id index, and
// the splitting of text at special-token strings ("<|im_start|>", "<s>").
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace subq::tokenize {

// Numbers as in GGUF tokenizer.ggml.token_type and SentencePiece's ModelProto.
enum class TokenType : int32_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;        // empty for BPE vocabularies
  std::vector<TokenType> types;     // same length as tokens
  int32_t bos = -1, eos = -1, unk = -1;
  // Whether encode(add_bos = true) prepends `bos`. False when the model says it has none to
  // add (GGUF tokenizer.ggml.add_bos_token = false: Qwen2, SmolLM2), even if `bos` is set.
  bool add_bos = true;

  // Validates sizes and ids (throws subq::Error naming `source`) and builds the index and
  // the list of special tokens. Call once after filling the fields.
  void finalize(const std::string& source);

  int32_t size() const { return int32_t(tokens.size()); }
  // Id of a token string, -1 when absent (the first id wins for duplicates).
  int32_t find(const std::string& token) const;
  // Control, user-defined and unknown tokens: matched in text when parsing specials.
  bool is_special(int32_t id) const;

  // A piece of input text: plain text to tokenize, or one special token.
  struct Fragment {
    std::string text;
    int32_t special_id = -1;
  };
  // Splits text at special-token strings (leftmost, then longest match) when `parse_special`.
  std::vector<Fragment> split_special(const std::string& text, bool parse_special) const;

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<int32_t> specials_;  // ids of specials with non-empty text, longest first
};

}  // namespace subq::tokenize
