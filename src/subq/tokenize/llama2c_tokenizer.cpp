// llama2.c's tokenizer.bin (written by llama2.c's tokenizer.py export).
#include <cctype>

#include "subq/io/byte_reader.h"
#include "subq/tokenize/tokenizer_formats.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

bool is_byte_token(const std::string& piece) {
  return piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>' &&
         std::isxdigit(static_cast<unsigned char>(piece[3])) &&
         std::isxdigit(static_cast<unsigned char>(piece[4]));
}

std::string spaces_to_marker(const std::string& piece) {
  std::string out;
  for (char c : piece) out += c == ' ' ? std::string("\xe2\x96\x81") : std::string(1, c);
  return out;
}

}  // namespace

std::unique_ptr<SpmTokenizer> parse_llama2c_tokenizer(const std::string& bytes, int32_t vocab_size,
                                                      const std::string& source) {
  SUBQ_CHECK(vocab_size >= 0, "{}: negative vocabulary size {}", source, vocab_size);
  io::ByteReader in(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), source);
  const auto max_len = in.read<int32_t>("max_token_length");
  SUBQ_CHECK(max_len > 0 && max_len <= 4096, "{}: max_token_length {} is not plausible", source, max_len);
  Vocab vocab;
  while (vocab_size > 0 ? vocab.size() < vocab_size : !in.at_end()) {
    const auto score = in.read<float>("token score");
    const auto len = in.read<int32_t>("token length");
    SUBQ_CHECK(len >= 0 && len <= max_len, "{}: token {} has length {} (max_token_length is {})",
               source, vocab.size(), len, max_len);
    std::string piece = in.read_string(uint64_t(len), "token text");
    TokenType type = TokenType::Normal;
    if (piece == "\n<s>\n" || piece == "\n</s>\n") {
      piece = piece.substr(1, piece.size() - 2);
      type = TokenType::Control;
    } else if (piece == "<unk>") {
      type = TokenType::Unknown;
    } else if (is_byte_token(piece)) {
      type = TokenType::Byte;
    } else {
      piece = spaces_to_marker(piece);
    }
    vocab.tokens.push_back(std::move(piece));
    vocab.scores.push_back(score);
    vocab.types.push_back(type);
  }
  SUBQ_CHECK(vocab_size == 0 || in.at_end(), "{}: {} bytes left after {} tokens (wrong vocab_size?)",
             source, in.remaining(), vocab_size);
  vocab.finalize(source);
  vocab.bos = vocab.find("<s>");
  vocab.eos = vocab.find("</s>");
  vocab.unk = vocab.find("<unk>");
  return std::make_unique<SpmTokenizer>(std::move(vocab));
}

std::unique_ptr<SpmTokenizer> load_llama2c_tokenizer(const std::filesystem::path& path,
                                                     int32_t vocab_size) {
  return parse_llama2c_tokenizer(read_file(path), vocab_size, path.string());
}

}  // namespace subq::tokenize
