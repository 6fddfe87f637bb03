// Tokenizers: text <-> token ids. Two algorithms (SentencePiece-style scores with byte
// fallback, and GPT-2-style byte-level BPE with merges and a pre-tokenizer regex) behind one
// interface, loaded from GGUF metadata, llama2.c tokenizer.bin, SentencePiece tokenizer.model
// or Hugging Face tokenizer.json.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace subq::io {
class GgufFile;
}

namespace subq::tokenize {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Encodes text; special-token strings in the text (e.g. "<|im_start|>") map to their ids
  // when `parse_special`. BOS is prepended when `add_bos`, the model defines one and does not
  // disable it (GGUF tokenizer.ggml.add_bos_token = false, see adds_bos()).
  virtual std::vector<int32_t> encode(const std::string& text, bool add_bos,
                                      bool parse_special = true) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  // Text of one token as it appears in generated output (for streaming); may be partial UTF-8.
  virtual std::string token_text(int32_t id) const = 0;
  virtual int32_t vocab_size() const = 0;
  // Id of a token given its vocabulary string (e.g. "<|im_end|>"), -1 when absent.
  virtual int32_t find_token(const std::string& piece) const = 0;
  int32_t bos_id() const { return bos_id_; }  // -1 when none
  // Whether encode(add_bos = true) really prepends bos_id(): false for models whose metadata
  // says not to (Qwen2's GGUF names a BOS id but sets add_bos_token = false).
  bool adds_bos() const { return add_bos_ && bos_id_ >= 0; }
  int32_t eos_id() const { return eos_id_; }
  // Ids that end generation (EOS, and e.g. <|im_end|> for chat models).
  virtual bool is_end_of_generation(int32_t id) const { return id == eos_id_; }

 protected:
  int32_t bos_id_ = -1, eos_id_ = -1;
  bool add_bos_ = true;
};

// From GGUF metadata (tokenizer.ggml.model = "llama" -> SentencePiece, "gpt2" -> BPE).
std::unique_ptr<Tokenizer> load_tokenizer_from_gguf(const io::GgufFile& gguf);
// From a file: llama2.c tokenizer.bin (needs vocab_size), tokenizer.model, tokenizer.json.
std::unique_ptr<Tokenizer> load_tokenizer_file(const std::filesystem::path& path,
                                               int32_t vocab_size = 0);

}  // namespace subq::tokenize
