// Pre-tokenizers of byte-level BPE models: they cut text into words before merges run.
// Implemented by hand (std::regex has no \p{L}/\p{N}), following the GPT-2 pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// exactly as Hugging Face tokenizers' ByteLevel pre-tokenizer and llama.cpp's
// unicode_regex_split_custom_gpt2 apply it, and the Qwen2 pattern
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// (one alternation, tried left to right at each position, as a backtracking regex does).
#pragma once
#include <string>
#include <vector>

namespace subq::tokenize {

enum class PreTokenizer {
  Gpt2,                  // the GPT-2 pattern alone (GGUF pre "default"/"gpt2")
  Gpt2IndividualDigits,  // every \p{N} character split off first, then GPT-2 (SmolLM, StarCoder)
  Qwen2,                 // the Qwen2 pattern (GGUF pre "qwen2")
};

// GGUF tokenizer.ggml.pre -> PreTokenizer; throws subq::Error listing what is supported.
PreTokenizer pre_tokenizer_from_name(const std::string& name);

// Words of `text` in order; their concatenation is `text` (byte for byte, even invalid UTF-8).
std::vector<std::string> pre_tokenize(const std::string& text, PreTokenizer kind);

}  // namespace subq::tokenize
