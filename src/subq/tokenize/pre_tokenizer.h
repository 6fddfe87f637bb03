// Pre-tokenizers of byte-level BPE models: they cut text into words before merges run.
// Implemented by hand (std::regex has no \p{L}/\p{N}), following the GPT-2 pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// exactly as Hugging Face tokenizers' ByteLevel pre-tokenizer and llama.cpp's
// unicode_regex_split_custom_gpt2 apply it.
#pragma once
#include <string>
#include <vector>

namespace subq::tokenize {

enum class PreTokenizer {
  Gpt2,                  // the GPT-2 pattern alone (GGUF pre "default"/"gpt2")
  Gpt2IndividualDigits,  // every \p{N} character split off first, then GPT-2 (SmolLM, StarCoder)
};

// GGUF tokenizer.ggml.pre -> PreTokenizer; throws subq::Error listing what is supported.
PreTokenizer pre_tokenizer_from_name(const std::string& name);

// Words of `text` in order; their concatenation is `text` (byte for byte, even invalid UTF-8).
std::vector<std::string> pre_tokenize(const std::string& text, PreTokenizer kind);

}  // namespace subq::tokenize
