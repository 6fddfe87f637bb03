// Training text for language-model fine-tuning, read from one file in one of three layouts:
//   - plain text: the whole file is one document;
//   - documents separated by "<|endoftext|>" (TinyStories style);
//   - JSONL: one JSON object per line, either {"text": ...} or an instruction record
//     (Alpaca: instruction / input / output; also prompt/response, question/answer).
// Instruction records keep prompt and response apart so the prompt can be masked out of
// the loss (label -100, as Hugging Face does).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace subq::tokenize {
class Tokenizer;
}

namespace subq::data {

// Label value that the loss ignores (PyTorch's CrossEntropyLoss default ignore_index).
constexpr int64_t kIgnoreLabel = -100;

struct TextDocument {
  std::string prompt;      // not trained on (empty for plain text)
  std::string completion;  // trained on
};

enum class TextFormat { kAuto, kPlain, kEndOfText, kJsonl };
TextFormat parse_text_format(const std::string& name);  // "auto" | "plain" | "eot" | "jsonl"

// Reads all documents; errors name the file and (for JSONL) the line.
std::vector<TextDocument> read_text_documents(const std::filesystem::path& path,
                                              TextFormat format = TextFormat::kAuto);

// Alpaca's prompt template (with or without an input field).
std::string alpaca_prompt(const std::string& instruction, const std::string& input);

// Documents [first, last] counted from 1 (inclusive), e.g. "201-1000"; clear error when the
// range is outside the file.
std::vector<TextDocument> select_documents(const std::vector<TextDocument>& docs,
                                           const std::string& range);

// Token ids with per-token flags: `trained[i]` is false for prompt tokens.
struct TokenizedDocument {
  std::vector<int32_t> ids;
  std::vector<bool> trained;
};

// BOS + prompt + completion + EOS (when the tokenizer has them).
TokenizedDocument tokenize_document(const tokenize::Tokenizer& tokenizer, const TextDocument& doc);

}  // namespace subq::data
