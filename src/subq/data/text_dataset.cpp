#include "subq/data/text_dataset.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "subq/tokenize/tokenizer.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/index_range.h"

namespace subq::data {

namespace {
constexpr const char* kEndOfText = "<|endoftext|>";

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string string_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

TextDocument jsonl_record(const nlohmann::json& j, const std::string& where) {
  SUBQ_CHECK(j.is_object(), "{}: expected a JSON object", where);
  if (j.contains("text")) {
    SUBQ_CHECK(j["text"].is_string(), "{}: field 'text' is not a string", where);
    return {"", j["text"].get<std::string>()};
  }
  if (j.contains("instruction") && j.contains("output"))
    return {alpaca_prompt(string_field(j, "instruction"), string_field(j, "input")),
            string_field(j, "output")};
  for (auto [p, r] : {std::pair{"prompt", "response"}, {"question", "answer"}, {"prompt", "completion"}})
    if (j.contains(p) && j.contains(r)) return {string_field(j, p) + "\n", string_field(j, r)};
  fail("{}: no 'text' field and no instruction/output, prompt/response or question/answer pair",
       where);
}

std::vector<TextDocument> read_jsonl(const std::filesystem::path& path, const std::string& content) {
  std::vector<TextDocument> docs;
  std::istringstream in(content);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto where = fmt::format("{}:{}", path.string(), line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail("{}: invalid JSON ({})", where, e.what());
    }
    docs.push_back(jsonl_record(j, where));
  }
  return docs;
}

std::vector<TextDocument> read_end_of_text(const std::string& content) {
  std::vector<TextDocument> docs;
  size_t start = 0;
  while (start <= content.size()) {
    auto end = content.find(kEndOfText, start);
    if (end == std::string::npos) end = content.size();
    auto doc = trim(content.substr(start, end - start));
    if (!doc.empty()) docs.push_back({"", doc});
    start = end + std::string(kEndOfText).size();
  }
  return docs;
}
}  // namespace

TextFormat parse_text_format(const std::string& name) {
  if (name == "auto") return TextFormat::kAuto;
  if (name == "plain") return TextFormat::kPlain;
  if (name == "eot") return TextFormat::kEndOfText;
  if (name == "jsonl") return TextFormat::kJsonl;
  fail("unknown text format '{}' (expected auto, plain, eot or jsonl)", name);
}

std::vector<TextDocument> read_text_documents(const std::filesystem::path& path, TextFormat format) {
  const auto content = read_file(path);
  if (format == TextFormat::kAuto) {
    const auto ext = path.extension().string();
    if (ext == ".jsonl" || ext == ".json") format = TextFormat::kJsonl;
    else if (content.find(kEndOfText) != std::string::npos) format = TextFormat::kEndOfText;
    else format = TextFormat::kPlain;
  }
  std::vector<TextDocument> docs;
  switch (format) {
    case TextFormat::kJsonl: docs = read_jsonl(path, content); break;
    case TextFormat::kEndOfText: docs = read_end_of_text(content); break;
    default:
      if (!trim(content).empty()) docs.push_back({"", content});
  }
  SUBQ_CHECK(!docs.empty(), "{}: holds no text", path.string());
  return docs;
}

std::string alpaca_prompt(const std::string& instruction, const std::string& input) {
  if (input.empty())
    return "Below is an instruction that describes a task. Write a response that appropriately "
           "completes the request.\n\n### Instruction:\n" + instruction + "\n\n### Response:\n";
  return "Below is an instruction that describes a task, paired with an input that provides further "
         "context. Write a response that appropriately completes the request.\n\n### Instruction:\n" +
         instruction + "\n\n### Input:\n" + input + "\n\n### Response:\n";
}

std::vector<TextDocument> select_documents(const std::vector<TextDocument>& docs,
                                           const std::string& range) {
  const auto parsed = parse_index_range(range);
  SUBQ_CHECK(parsed, "document range '{}' is not FIRST-LAST (1-based, inclusive)", range);
  const auto [first, last] = *parsed;
  SUBQ_CHECK(first >= 1 && first <= last && last <= static_cast<int64_t>(docs.size()),
             "document range {} is outside 1-{} (the file holds {} documents)", range, docs.size(),
             docs.size());
  return {docs.begin() + (first - 1), docs.begin() + last};
}

TokenizedDocument tokenize_document(const tokenize::Tokenizer& tokenizer, const TextDocument& doc) {
  TokenizedDocument out;
  auto append = [&](const std::vector<int32_t>& ids, bool trained) {
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    out.trained.insert(out.trained.end(), ids.size(), trained);
  };
  if (tokenizer.bos_id() >= 0) append({tokenizer.bos_id()}, false);
  if (!doc.prompt.empty()) append(tokenizer.encode(doc.prompt, false, false), false);
  append(tokenizer.encode(doc.completion, false, false), true);
  if (tokenizer.eos_id() >= 0) append({tokenizer.eos_id()}, true);
  return out;
}

}  // namespace subq::data
