// Hugging Face tokenizer.json (byte-level BPE): model.vocab, model.merges, added_tokens and
// the pre_tokenizer (ByteLevel, optionally after Digits{individual_digits}).
#include <nlohmann/json.hpp>

#include "subq/tokenize/tokenizer_formats.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

using nlohmann::json;

PreTokenizer read_pre_tokenizer(const json& pre, const std::string& source) {
  auto is_byte_level = [](const json& p) {
    return p.is_object() && p.value("type", "") == "ByteLevel" && p.value("use_regex", true);
  };
  if (is_byte_level(pre)) return PreTokenizer::Gpt2;
  if (pre.is_object() && pre.value("type", "") == "Sequence") {
    const json& seq = pre.at("pretokenizers");
    if (seq.size() == 2 && seq[0].value("type", "") == "Digits" &&
        seq[0].value("individual_digits", false) && is_byte_level(seq[1]))
      return PreTokenizer::Gpt2IndividualDigits;
    if (seq.size() == 1 && is_byte_level(seq[0])) return PreTokenizer::Gpt2;
  }
  fail("{}: pre_tokenizer {} is not supported (ByteLevel, or Digits(individual) + ByteLevel)",
       source, pre.dump().substr(0, 200));
}

// "bos_token": "<s>" or {"content": "<s>", ...} in tokenizer_config.json.
std::string special_name(const json& config, const char* key) {
  if (!config.contains(key)) return "";
  const json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"];
  return "";
}

}  // namespace

std::unique_ptr<BpeTokenizer> parse_tokenizer_json(const std::string& text,
                                                   const std::string& config_text,
                                                   const std::string& source) {
  try {
    const json doc = json::parse(text);
    const json& model = doc.at("model");
    SUBQ_CHECK(model.value("type", "BPE") == "BPE", "{}: model type '{}' is not supported (BPE only)",
               source, model.value("type", ""));
    SUBQ_CHECK(!model.value("byte_fallback", false),
               "{}: a byte-fallback BPE (SentencePiece-style) tokenizer.json is not supported; "
               "load its tokenizer.model instead", source);
    Vocab vocab;
    // Ids are dense in real files; bounding them by the entry count keeps a hostile id from
    // allocating a huge table.
    const int64_t entries = int64_t(model.at("vocab").size()) +
                            (doc.contains("added_tokens") ? int64_t(doc["added_tokens"].size()) : 0);
    auto place = [&](int64_t id, const std::string& token, TokenType type) {
      SUBQ_CHECK(id >= 0 && id < entries, "{}: token id {} is out of range (0..{})", source, id, entries - 1);
      if (id >= vocab.size()) {
        vocab.tokens.resize(id + 1);
        vocab.types.resize(id + 1, TokenType::Unused);
      }
      vocab.tokens[id] = token;
      vocab.types[id] = type;
    };
    for (const auto& [token, id] : model.at("vocab").items()) place(id.get<int64_t>(), token, TokenType::Normal);
    if (doc.contains("added_tokens"))
      for (const json& t : doc["added_tokens"])
        place(t.at("id").get<int64_t>(), t.at("content").get<std::string>(),
              t.value("special", false) ? TokenType::Control : TokenType::UserDefined);
    std::vector<std::string> merges;
    for (const json& m : model.at("merges")) {
      // Older files write "a b"; newer ones ["a", "b"].
      merges.push_back(m.is_array() ? m.at(0).get<std::string>() + " " + m.at(1).get<std::string>()
                                    : m.get<std::string>());
    }
    const PreTokenizer pre = read_pre_tokenizer(doc.value("pre_tokenizer", json()), source);
    vocab.finalize(source);
    const json config = config_text.empty() ? json::object() : json::parse(config_text);
    vocab.bos = vocab.find(special_name(config, "bos_token"));
    vocab.eos = vocab.find(special_name(config, "eos_token"));
    if (vocab.eos < 0) vocab.eos = vocab.find("<|endoftext|>");
    vocab.unk = vocab.find(special_name(config, "unk_token"));
    return std::make_unique<BpeTokenizer>(std::move(vocab), merges, pre, source);
  } catch (const json::exception& e) {
    fail("{}: malformed tokenizer.json ({})", source, e.what());
  }
}

std::unique_ptr<BpeTokenizer> load_tokenizer_json(const std::filesystem::path& path) {
  const auto config_path = path.parent_path() / "tokenizer_config.json";
  const std::string config = std::filesystem::exists(config_path) ? read_file(config_path) : "";
  return parse_tokenizer_json(read_file(path), config, path.string());
}

}  // namespace subq::tokenize
