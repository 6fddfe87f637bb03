// Zero-shot language-model evaluation, scored like EleutherAI's lm-evaluation-harness, over
// any model that can give the log-likelihood of a continuation given a context. Tasks:
//   lambada     last-word accuracy (continuation is greedy) and perplexity of the last word
//   hellaswag   4 endings; acc and acc_norm (log-likelihood / byte length of the ending)
//   piqa        "Question: {goal}\nAnswer:" + " {solution}"; acc, acc_norm
//   arc_easy    "Question: {question}\nAnswer:" + " {choice}"; acc, acc_norm
//   winogrande  partial scoring: the blank filled with each option is the context, and the
//               same suffix after the blank is the continuation; acc
// File formats: LAMBADA jsonl ({"text"}), HellaSwag 6-line text (.bz2 read via `bzip2 -dc`),
// PIQA/ARC/WinoGrande in LLM-Adapters JSON (choices inside "instruction", gold in "answer").
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace subq::eval {

struct LoglikelihoodRequest {
  std::string context, continuation;
};
struct LoglikelihoodResult {
  double logprob = 0;   // sum of the continuation tokens' log-probabilities
  bool greedy = false;  // every continuation token is the model's argmax
};
// The one thing a model must provide; called with all options of one item at a time.
using LoglikelihoodFn =
    std::function<std::vector<LoglikelihoodResult>(const std::vector<LoglikelihoodRequest>&)>;

enum class LmTask { Lambada, HellaSwag, Piqa, ArcEasy, WinoGrande };
LmTask parse_lm_task(const std::string& name);  // "lambada", "hellaswag", "piqa", ...
std::string lm_task_name(LmTask task);

// One item: its options as requests; `gold` indexes the right one. LAMBADA has one option.
struct TaskItem {
  std::vector<LoglikelihoodRequest> options;
  int gold = 0;
};

// Reads the first `limit` items (0 = all) of `path` in the task's format; errors name the
// file and the line/item that is malformed.
std::vector<TaskItem> read_task_items(LmTask task, const std::filesystem::path& path,
                                      int64_t limit = 0);

// Per-task text preprocessing of lm-evaluation-harness's HellaSwag (exposed for tests).
std::string hellaswag_preprocess(const std::string& text);

struct TaskScore {
  LmTask task;
  int64_t items = 0;
  double acc = 0;
  double acc_norm = -1;      // -1 where the task has no normalised accuracy
  double perplexity = -1;    // LAMBADA: exp(-mean log p(last word))
  double acc_stderr = 0;     // sqrt(acc (1 - acc) / (items - 1))
  nlohmann::json to_json() const;
};

// Scores every item with `model`; `on_item` (optional) is called after each item with the
// running accuracy, for progress bars.
TaskScore score_task(LmTask task, const std::vector<TaskItem>& items, const LoglikelihoodFn& model,
                     const std::function<void(int64_t done, double acc)>& on_item = {});

// A causal LM given as a tokenizer and a logits function, adapted to LoglikelihoodFn like
// lm-evaluation-harness does: trailing spaces of the context move to the continuation, the
// continuation tokens are those of encode(context + continuation) after encode(context), and
// sequences longer than `max_length` are cut from the left. All options of one item go
// through the model as one right-padded batch.
struct CausalLm {
  std::function<std::vector<int64_t>(const std::string&)> encode;
  // Logits (B x T x vocab) for right-padded tokens (B x T, int64); one causal forward pass
  // with no state kept, so padding never influences the real positions before it.
  std::function<torch::Tensor(const torch::Tensor&)> logits;
  // Optional, instead of `logits`: the final hidden states (B x T x D) and the output head
  // (N x D -> N x vocab). Then only the continuation positions go through the head: with
  // Qwen2.5's 152K vocabulary the head over every position is a quarter of the work.
  std::function<torch::Tensor(const torch::Tensor&)> hidden, head;
  std::vector<int64_t> prefix;  // tokens before every context (e.g. BOS); used when empty
  int64_t max_length = 2048;
};
LoglikelihoodFn causal_lm_loglikelihood(CausalLm model);

}  // namespace subq::eval
