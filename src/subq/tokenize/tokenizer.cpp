// Choosing the tokenizer reader: from GGUF metadata, or from a file by its name/content.
#include "subq/tokenize/tokenizer.h"

#include <fstream>

#include "subq/io/gguf.h"
#include "subq/tokenize/tokenizer_formats.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

// Optional special-token id; GGUF writes uint32 0xFFFFFFFF (-1) for "none".
int32_t gguf_token_id(const io::GgufFile& gguf, const std::string& key, int32_t n_tokens) {
  if (!gguf.has(key)) return -1;
  const int64_t id = gguf.get(key).as_int();
  if (id == 0xFFFFFFFFll || id == -1) return -1;
  SUBQ_CHECK(id >= 0 && id < n_tokens, "{}: {} = {} is outside the vocabulary of {}", gguf.path(),
             key, id, n_tokens);
  return int32_t(id);
}

Vocab vocab_from_gguf(const io::GgufFile& gguf) {
  Vocab vocab;
  vocab.tokens = gguf.get("tokenizer.ggml.tokens").as_strings();
  const int32_t n = int32_t(vocab.tokens.size());
  if (gguf.has("tokenizer.ggml.scores"))
    for (double s : gguf.get("tokenizer.ggml.scores").as_floats()) vocab.scores.push_back(float(s));
  if (gguf.has("tokenizer.ggml.token_type"))
    for (int64_t t : gguf.get("tokenizer.ggml.token_type").as_ints()) {
      SUBQ_CHECK(t >= 0 && t <= 6, "{}: unknown token type {}", gguf.path(), t);
      vocab.types.push_back(TokenType(t));
    }
  vocab.bos = gguf_token_id(gguf, "tokenizer.ggml.bos_token_id", n);
  vocab.eos = gguf_token_id(gguf, "tokenizer.ggml.eos_token_id", n);
  vocab.unk = gguf_token_id(gguf, "tokenizer.ggml.unknown_token_id", n);
  // Absent means "add it" (llama.cpp's default for both tokenizer models).
  if (gguf.has("tokenizer.ggml.add_bos_token"))
    vocab.add_bos = gguf.get("tokenizer.ggml.add_bos_token").as_bool();
  vocab.finalize(gguf.path());
  return vocab;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_from_gguf(const io::GgufFile& gguf) {
  try {
    const std::string model = gguf.get("tokenizer.ggml.model").as_string();
    if (model == "llama") {
      const bool prefix = gguf.has("tokenizer.ggml.add_space_prefix")
                              ? gguf.get("tokenizer.ggml.add_space_prefix").as_bool()
                              : true;
      return std::make_unique<SpmTokenizer>(vocab_from_gguf(gguf), prefix);
    }
    if (model == "gpt2") {
      const std::string pre =
          gguf.has("tokenizer.ggml.pre") ? gguf.get("tokenizer.ggml.pre").as_string() : "default";
      return std::make_unique<BpeTokenizer>(vocab_from_gguf(gguf),
                                            gguf.get("tokenizer.ggml.merges").as_strings(),
                                            pre_tokenizer_from_name(pre), gguf.path());
    }
    fail("tokenizer model '{}' is not supported (llama, gpt2)", model);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find(gguf.path()) != std::string::npos) throw;
    fail("{}: {}", gguf.path(), msg);  // value conversions do not know the file
  }
}

std::unique_ptr<Tokenizer> load_tokenizer_file(const std::filesystem::path& path, int32_t vocab_size) {
  const std::string name = path.filename().string();
  const std::string ext = path.extension().string();
  if (ext == ".json") return load_tokenizer_json(path);
  if (ext == ".model") return load_sentencepiece_model(path);
  if (ext == ".bin") return load_llama2c_tokenizer(path, vocab_size);
  if (ext == ".gguf") return load_tokenizer_from_gguf(io::GgufFile(path));
  fail("{}: unknown tokenizer file type (expected tokenizer.json, tokenizer.model, a llama2.c "
       "tokenizer .bin or a .gguf)", path.string());
}

}  // namespace subq::tokenize
