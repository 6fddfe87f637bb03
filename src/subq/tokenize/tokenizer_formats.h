// Readers of the tokenizer file formats. Each has a path form and a bytes form (the latter
// for fuzzing and in-memory tests); every one validates its input and throws subq::Error
// naming the source and problem. Most callers want load_tokenizer_file / _from_gguf
// (tokenizer.h), which pick the right reader.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "subq/tokenize/bpe_tokenizer.h"
#include "subq/tokenize/spm_tokenizer.h"

namespace subq::tokenize {

// llama2.c tokenizer.bin: int32 max_token_length, then per token float score, int32 length,
// bytes. The file does not store the vocabulary size: `vocab_size` > 0 requires exactly that
// many tokens; 0 reads tokens until the end. Spaces in pieces are llama2.c's rendering of
// "▁", and "\n<s>\n" / "\n</s>\n" its rendering of BOS/EOS; both are mapped back.
std::unique_ptr<SpmTokenizer> parse_llama2c_tokenizer(const std::string& bytes, int32_t vocab_size,
                                                      const std::string& source);
std::unique_ptr<SpmTokenizer> load_llama2c_tokenizer(const std::filesystem::path& path,
                                                     int32_t vocab_size = 0);

// SentencePiece tokenizer.model (a serialized ModelProto), BPE model type only.
std::unique_ptr<SpmTokenizer> parse_sentencepiece_model(const std::string& bytes,
                                                        const std::string& source);
std::unique_ptr<SpmTokenizer> load_sentencepiece_model(const std::filesystem::path& path);

// Hugging Face tokenizer.json with a byte-level BPE model. BOS/EOS come from a
// tokenizer_config.json beside the file when there is one (`config_text` in the bytes form).
std::unique_ptr<BpeTokenizer> parse_tokenizer_json(const std::string& text,
                                                   const std::string& config_text,
                                                   const std::string& source);
std::unique_ptr<BpeTokenizer> load_tokenizer_json(const std::filesystem::path& path);

}  // namespace subq::tokenize
