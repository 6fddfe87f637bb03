#include "subq/eval/lm_tasks.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::eval {
namespace {

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Whole text of a file; ".bz2" files are decompressed by the bzip2 tool (no extra library).
std::string read_text(const std::filesystem::path& path) {
  SUBQ_CHECK(std::filesystem::exists(path), "{}: no such file", path.string());
  if (path.extension() != ".bz2") return read_file(path);
  const std::string command = "bzip2 -dc '" + path.string() + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  SUBQ_CHECK(pipe != nullptr, "{}: cannot run bzip2 to decompress it", path.string());
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = pclose(pipe);
  SUBQ_CHECK(status == 0, "{}: bzip2 failed to decompress it (corrupt or truncated?)",
             path.string());
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<TaskItem> read_lambada(const std::filesystem::path& path, int64_t limit) {
  std::vector<TaskItem> items;
  const auto lines = lines_of(read_text(path));
  for (size_t i = 0; i < lines.size() && (limit == 0 || (int64_t)items.size() < limit); ++i) {
    if (strip(lines[i]).empty()) continue;
    std::string text;
    try {
      text = nlohmann::json::parse(lines[i]).at("text").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      fail("{}:{}: not a JSON object with a \"text\" string ({})", path.string(), i + 1, e.what());
    }
    const auto cut = text.rfind(' ');
    SUBQ_CHECK(cut != std::string::npos && cut > 0 && cut + 1 < text.size(),
               "{}:{}: passage has no last word to predict", path.string(), i + 1);
    items.push_back({{{text.substr(0, cut), text.substr(cut)}}, 0});
  }
  return items;
}

std::vector<TaskItem> read_hellaswag(const std::filesystem::path& path, int64_t limit) {
  auto lines = lines_of(read_text(path));
  while (!lines.empty() && strip(lines.back()).empty()) lines.pop_back();
  SUBQ_CHECK(lines.size() % 6 == 0,
             "{}: {} lines, but HellaSwag needs 6 per item (context, gold, 4 endings)",
             path.string(), lines.size());
  std::vector<TaskItem> items;
  for (size_t i = 0; i < lines.size() && (limit == 0 || (int64_t)items.size() < limit); i += 6) {
    TaskItem item;
    const auto& gold = lines[i + 1];
    SUBQ_CHECK(gold.size() == 1 && gold[0] >= '0' && gold[0] <= '3',
               "{}:{}: gold label must be 0..3, got '{}'", path.string(), i + 2, gold);
    item.gold = gold[0] - '0';
    const auto context = hellaswag_preprocess(lines[i]);
    for (int k = 0; k < 4; ++k)
      item.options.push_back({context, " " + hellaswag_preprocess(lines[i + 2 + k])});
    items.push_back(std::move(item));
  }
  return items;
}

// The text between `begin` and `end` markers in an LLM-Adapters instruction.
std::string between(const std::string& s, const std::string& begin, const std::string& end,
                    size_t* pos, const std::string& where) {
  const auto b = s.find(begin, *pos);
  SUBQ_CHECK(b != std::string::npos, "{}: instruction has no '{}'", where, begin);
  const auto start = b + begin.size();
  const auto e = end.empty() ? s.size() : s.find(end, start);
  SUBQ_CHECK(e != std::string::npos, "{}: instruction has no '{}' after '{}'", where, end, begin);
  *pos = e;
  return s.substr(start, e - start);
}

// "answer3" -> 2 for prefix "answer".
int gold_index(const std::string& answer, const std::string& prefix, size_t options,
               const std::string& where) {
  SUBQ_CHECK(answer.rfind(prefix, 0) == 0 && answer.size() > prefix.size(),
             "{}: answer '{}' is not {}N", where, answer, prefix);
  const int k = std::atoi(answer.c_str() + prefix.size());
  SUBQ_CHECK(k >= 1 && static_cast<size_t>(k) <= options, "{}: answer '{}' but {} options", where,
             answer, options);
  return k - 1;
}

TaskItem parse_adapters_item(LmTask task, const std::string& instruction, const std::string& answer,
                             const std::string& where) {
  size_t pos = 0;
  TaskItem item;
  if (task == LmTask::Piqa) {
    const auto goal = between(instruction, "question: ", "\n\nSolution1: ", &pos, where);
    const auto sol1 = between(instruction, "\n\nSolution1: ", "\n\nSolution2: ", &pos, where);
    const auto sol2 = between(instruction, "\n\nSolution2: ", "\n\nAnswer format:", &pos, where);
    const auto context = "Question: " + goal + "\nAnswer:";
    item.options = {{context, " " + sol1}, {context, " " + sol2}};
    item.gold = gold_index(answer, "solution", 2, where);
  } else if (task == LmTask::ArcEasy) {
    const auto question = between(instruction, "question: ", "\n\nAnswer1: ", &pos, where);
    const auto block = between(instruction, "\n\nAnswer1: ", "\n\nAnswer format:", &pos, where);
    const auto context = "Question: " + question + "\nAnswer:";
    // Choices are "a Answer2: b Answer3: c": split at each next " AnswerK: ".
    size_t start = 0;
    for (int k = 2;; ++k) {
      const auto marker = fmt::format(" Answer{}: ", k);
      const auto next = block.find(marker, start);
      item.options.push_back({context, " " + block.substr(start, next - start)});
      if (next == std::string::npos) break;
      start = next + marker.size();
    }
    item.gold = gold_index(answer, "answer", item.options.size(), where);
  } else {  // WinoGrande
    const auto sentence = between(instruction, "sentence: ", "\n\nOption1: ", &pos, where);
    const auto option1 = between(instruction, "\n\nOption1: ", " Option2: ", &pos, where);
    const auto option2 = between(instruction, " Option2: ", " Answer format:", &pos, where);
    const auto blank = sentence.find('_');
    SUBQ_CHECK(blank != std::string::npos, "{}: sentence has no blank '_'", where);
    const auto suffix = " " + strip(sentence.substr(blank + 1));
    item.options = {{sentence.substr(0, blank) + option1, suffix},
                    {sentence.substr(0, blank) + option2, suffix}};
    item.gold = gold_index(answer, "option", 2, where);
  }
  return item;
}

std::vector<TaskItem> read_adapters_json(LmTask task, const std::filesystem::path& path,
                                         int64_t limit) {
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", path.string(), e.what());
  }
  SUBQ_CHECK(data.is_array(), "{}: expected a JSON array of items", path.string());
  std::vector<TaskItem> items;
  for (size_t i = 0; i < data.size() && (limit == 0 || (int64_t)items.size() < limit); ++i) {
    const auto where = fmt::format("{} item {}", path.string(), i);
    SUBQ_CHECK(data[i].is_object() && data[i].contains("instruction") &&
                   data[i]["instruction"].is_string() && data[i].contains("answer") &&
                   data[i]["answer"].is_string(),
               "{}: needs string fields \"instruction\" and \"answer\"", where);
    items.push_back(parse_adapters_item(task, data[i]["instruction"].get<std::string>(),
                                        data[i]["answer"].get<std::string>(), where));
  }
  return items;
}

}  // namespace

LmTask parse_lm_task(const std::string& name) {
  if (name == "lambada" || name == "lambada_openai") return LmTask::Lambada;
  if (name == "hellaswag") return LmTask::HellaSwag;
  if (name == "piqa") return LmTask::Piqa;
  if (name == "arc_easy" || name == "arc-easy" || name == "ARC-Easy") return LmTask::ArcEasy;
  if (name == "winogrande") return LmTask::WinoGrande;
  fail("unknown task '{}' (choose lambada, hellaswag, piqa, arc_easy, winogrande)", name);
}

std::string lm_task_name(LmTask task) {
  switch (task) {
    case LmTask::Lambada: return "lambada";
    case LmTask::HellaSwag: return "hellaswag";
    case LmTask::Piqa: return "piqa";
    case LmTask::ArcEasy: return "arc_easy";
    case LmTask::WinoGrande: return "winogrande";
  }
  return "?";
}

std::string hellaswag_preprocess(const std::string& text) {
  auto t = strip(text);
  for (size_t p; (p = t.find(" [title]")) != std::string::npos;) t.replace(p, 8, ". ");
  t = std::regex_replace(t, std::regex("\\[.*?\\]"), "");
  for (size_t p; (p = t.find("  ")) != std::string::npos;) t.replace(p, 2, " ");
  return t;
}

std::vector<TaskItem> read_task_items(LmTask task, const std::filesystem::path& path,
                                      int64_t limit) {
  SUBQ_CHECK(limit >= 0, "--limit must be >= 0, got {}", limit);
  std::vector<TaskItem> items;
  switch (task) {
    case LmTask::Lambada: items = read_lambada(path, limit); break;
    case LmTask::HellaSwag: items = read_hellaswag(path, limit); break;
    default: items = read_adapters_json(task, path, limit);
  }
  SUBQ_CHECK(!items.empty(), "{}: no {} items", path.string(), lm_task_name(task));
  return items;
}

nlohmann::json TaskScore::to_json() const {
  nlohmann::json j = {{"task", lm_task_name(task)}, {"items", items}, {"acc", acc},
                      {"acc_stderr", acc_stderr}};
  if (acc_norm >= 0) j["acc_norm"] = acc_norm;
  if (perplexity >= 0) j["perplexity"] = perplexity;
  return j;
}

TaskScore score_task(LmTask task, const std::vector<TaskItem>& items, const LoglikelihoodFn& model,
                     const std::function<void(int64_t, double)>& on_item) {
  TaskScore score{task};
  const bool has_norm = task == LmTask::HellaSwag || task == LmTask::Piqa || task == LmTask::ArcEasy;
  double correct = 0, correct_norm = 0, logprob_sum = 0;
  for (const auto& item : items) {
    const auto results = model(item.options);
    SUBQ_CHECK(results.size() == item.options.size(), "model returned {} scores for {} options",
               results.size(), item.options.size());
    if (task == LmTask::Lambada) {
      correct += results[0].greedy;
      logprob_sum += results[0].logprob;
    } else {
      size_t best = 0, best_norm = 0;
      for (size_t k = 1; k < results.size(); ++k) {
        if (results[k].logprob > results[best].logprob) best = k;
        // Normalise by the ending's byte length without the leading delimiter space.
        auto norm = [&](size_t i) {
          const auto& c = item.options[i].continuation;
          const size_t len = c.size() - (c.rfind(' ', 0) == 0 ? 1 : 0);
          return results[i].logprob / std::max<size_t>(1, len);
        };
        if (norm(k) > norm(best_norm)) best_norm = k;
      }
      correct += static_cast<int>(best) == item.gold;
      correct_norm += static_cast<int>(best_norm) == item.gold;
    }
    ++score.items;
    if (on_item) on_item(score.items, correct / score.items);
  }
  const double n = static_cast<double>(score.items);
  score.acc = correct / n;
  if (has_norm) score.acc_norm = correct_norm / n;
  if (task == LmTask::Lambada) score.perplexity = std::exp(-logprob_sum / n);
  score.acc_stderr = n > 1 ? std::sqrt(score.acc * (1 - score.acc) / (n - 1)) : 0.0;
  return score;
}

namespace {

// Input tokens and continuation targets of one request, lm-evaluation-harness style.
struct EncodedRequest {
  std::vector<int64_t> input, continuation;
};

EncodedRequest encode_request(const CausalLm& lm, const LoglikelihoodRequest& request) {
  auto context = request.context;
  auto continuation = request.continuation;
  // lm-evaluation-harness: a context's trailing spaces belong to the continuation.
  while (!context.empty() && context.back() == ' ') {
    continuation.insert(continuation.begin(), ' ');
    context.pop_back();
  }
  const auto context_ids = lm.encode(context);
  const auto whole = lm.encode(context + continuation);
  EncodedRequest r;
  if (whole.size() > context_ids.size() &&
      std::equal(context_ids.begin(), context_ids.end(), whole.begin())) {
    r.continuation.assign(whole.begin() + context_ids.size(), whole.end());
  } else {  // the tokenizer merged across the boundary: encode the parts separately
    r.continuation = lm.encode(continuation);
  }
  SUBQ_CHECK(!r.continuation.empty(), "continuation '{}' encodes to no tokens", continuation);
  std::vector<int64_t> ids = lm.prefix;
  ids.insert(ids.end(), context_ids.begin(), context_ids.end());
  SUBQ_CHECK(!ids.empty(), "empty context and no prefix token to condition on");
  ids.insert(ids.end(), r.continuation.begin(), r.continuation.end());
  // Inputs are all tokens but the last; cut from the left to fit max_length.
  r.input.assign(ids.begin(), ids.end() - 1);
  if (static_cast<int64_t>(r.input.size()) > lm.max_length)
    r.input.erase(r.input.begin(), r.input.end() - lm.max_length);
  SUBQ_CHECK(r.continuation.size() <= r.input.size(),
             "continuation of {} tokens does not fit max_length {}", r.continuation.size(),
             lm.max_length);
  return r;
}

// The continuation positions' logits of each request, as float64 (n_cont x vocab) each.
std::vector<torch::Tensor> continuation_logits(const CausalLm& lm, const std::vector<EncodedRequest>& encoded) {
  int64_t longest = 0;
  for (const auto& r : encoded) longest = std::max<int64_t>(longest, r.input.size());
  auto tokens = torch::zeros({static_cast<int64_t>(encoded.size()), longest}, torch::kInt64);
  for (size_t i = 0; i < encoded.size(); ++i)
    tokens[i].narrow(0, 0, encoded[i].input.size()).copy_(torch::tensor(encoded[i].input));
  torch::NoGradGuard no_grad;
  const bool split = lm.hidden && lm.head;
  SUBQ_CHECK(split || lm.logits, "a causal LM needs a logits function or hidden states and a head");
  const auto out = split ? lm.hidden(tokens) : lm.logits(tokens);
  std::vector<torch::Tensor> rows;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const auto n_input = static_cast<int64_t>(encoded[i].input.size());
    const auto n_cont = static_cast<int64_t>(encoded[i].continuation.size());
    rows.push_back(out[i].narrow(0, n_input - n_cont, n_cont));
  }
  if (!split) {
    for (auto& r : rows) r = r.to(torch::kCPU, torch::kFloat64);
    return rows;
  }
  std::vector<int64_t> sizes;
  for (const auto& r : rows) sizes.push_back(r.size(0));
  return lm.head(torch::cat(rows)).to(torch::kCPU, torch::kFloat64).split_with_sizes(sizes);
}

}  // namespace

LoglikelihoodFn causal_lm_loglikelihood(CausalLm lm) {
  return [lm = std::move(lm)](const std::vector<LoglikelihoodRequest>& requests) {
    std::vector<EncodedRequest> encoded;
    for (const auto& request : requests) encoded.push_back(encode_request(lm, request));
    const auto logits = continuation_logits(lm, encoded);
    std::vector<LoglikelihoodResult> out;
    for (size_t i = 0; i < encoded.size(); ++i) {
      auto logp = torch::log_softmax(logits[i], -1);
      auto targets = torch::tensor(encoded[i].continuation, torch::kInt64);
      LoglikelihoodResult r;
      r.logprob = logp.gather(1, targets.unsqueeze(1)).sum().item<double>();
      r.greedy = logp.argmax(-1).eq(targets).all().item<bool>();
      out.push_back(r);
    }
    return out;
  };
}

}  // namespace subq::eval
