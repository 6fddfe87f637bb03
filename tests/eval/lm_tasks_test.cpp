#include "subq/eval/lm_tasks.h"

#include <gtest/gtest.h>

#include <map>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;
using eval::LmTask;

namespace {

// A fake model: log-likelihood looked up from a table keyed by context + "|" + continuation.
eval::LoglikelihoodFn table_model(std::map<std::string, eval::LoglikelihoodResult> table) {
  return [table](const std::vector<eval::LoglikelihoodRequest>& requests) {
    std::vector<eval::LoglikelihoodResult> out;
    for (const auto& r : requests) out.push_back(table.at(r.context + "|" + r.continuation));
    return out;
  };
}

}  // namespace

TEST(LmTasks, AccAndAccNormPickDifferentAnswersWhenLengthsDiffer) {
  // Item 1: raw log-likelihood prefers the short ending (wrong); per byte the long one (gold).
  // Item 2: both metrics pick the gold ending.
  std::vector<eval::TaskItem> items{
      {{{"ctx", " ab"}, {"ctx", " abcdefghij"}}, 1},
      {{{"c2", " x"}, {"c2", " y"}}, 0},
  };
  auto model = table_model({{"ctx| ab", {-2.0, false}},
                            {"ctx| abcdefghij", {-5.0, false}},   // -0.5/byte vs -1.0/byte
                            {"c2| x", {-1.0, false}},
                            {"c2| y", {-3.0, false}}});
  auto score = eval::score_task(LmTask::HellaSwag, items, model);
  EXPECT_EQ(score.items, 2);
  EXPECT_DOUBLE_EQ(score.acc, 0.5);
  EXPECT_DOUBLE_EQ(score.acc_norm, 1.0);
  EXPECT_NEAR(score.acc_stderr, std::sqrt(0.25 / 1), 1e-12);
}

TEST(LmTasks, WinograndeHasNoNormalisedAccuracy) {
  std::vector<eval::TaskItem> items{{{{"A likes B so A", " smiled."}, {"A likes B so B", " smiled."}}, 1}};
  auto model = table_model({{"A likes B so A| smiled.", {-4.0, false}}, {"A likes B so B| smiled.", {-3.0, false}}});
  auto score = eval::score_task(LmTask::WinoGrande, items, model);
  EXPECT_DOUBLE_EQ(score.acc, 1.0);
  EXPECT_LT(score.acc_norm, 0);
}

TEST(LmTasks, LambadaCountsGreedyContinuationsAndPerplexity) {
  std::vector<eval::TaskItem> items{{{{"the cat sat on the", " mat"}}, 0}, {{{"one two", " three"}}, 0}};
  auto model = table_model({{"the cat sat on the| mat", {-1.0, true}}, {"one two| three", {-3.0, false}}});
  auto score = eval::score_task(LmTask::Lambada, items, model);
  EXPECT_DOUBLE_EQ(score.acc, 0.5);
  EXPECT_NEAR(score.perplexity, std::exp(2.0), 1e-12);
}

TEST(LmTasks, CausalLmAdapterSumsContinuationLogProbsAndChecksGreedy) {
  // Characters are tokens (a..d = 0..3, space = 4); the "model" predicts next = last + 1
  // (mod 5) with probability 0.9 and gives 0.025 to each of the other 4 symbols.
  eval::CausalLm lm;
  lm.encode = [](const std::string& s) {
    std::vector<int64_t> ids;
    for (char c : s) ids.push_back(c == ' ' ? 4 : c - 'a');
    return ids;
  };
  lm.logits = [](const torch::Tensor& tokens) {
    auto out = torch::full({tokens.size(0), tokens.size(1), 5}, std::log(0.025));
    return out.scatter(2, ((tokens + 1) % 5).unsqueeze(2), std::log(0.9));
  };
  lm.prefix = {};
  auto score = eval::causal_lm_loglikelihood(lm);
  // "ab" + "cd": c follows b (0.9), d follows c (0.9): greedy.
  // "ab " + "d": the context's trailing space moves to the continuation: " d" after "ab":
  //   ' '(4) after b(1)? predicted 2 -> 0.025; d after ' ' -> predicted 0 -> 0.025.
  auto r = score({{"ab", "cd"}, {"ab ", "d"}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0].logprob, 2 * std::log(0.9), 1e-6);
  EXPECT_TRUE(r[0].greedy);
  EXPECT_NEAR(r[1].logprob, 2 * std::log(0.025), 1e-6);
  EXPECT_FALSE(r[1].greedy);
  // Cutting from the left keeps the continuation's scores.
  lm.max_length = 2;
  auto cut = eval::causal_lm_loglikelihood(lm)({{"abab", "cd"}});
  EXPECT_NEAR(cut[0].logprob, 2 * std::log(0.9), 1e-6);
}

TEST(LmTasks, HiddenStatesAndHeadScoreLikeTheFullLogits) {
  // A random "model" whose hidden state at t mixes the embeddings of tokens 0..t; the head
  // path (only continuation rows through the head) must equal the full-logits path.
  torch::manual_seed(3);
  const auto embedding = torch::randn({5, 3}), head = torch::randn({3, 5});
  auto hidden = [embedding](const torch::Tensor& tokens) {
    return torch::embedding(embedding, tokens).cumsum(1);
  };
  eval::CausalLm full, split;
  full.encode = split.encode = [](const std::string& s) {
    std::vector<int64_t> ids;
    for (char c : s) ids.push_back(c == ' ' ? 4 : c - 'a');
    return ids;
  };
  full.logits = [=](const torch::Tensor& tokens) { return torch::matmul(hidden(tokens), head); };
  split.hidden = hidden;
  split.head = [head](const torch::Tensor& h) {
    EXPECT_EQ(h.dim(), 2);  // only the continuation rows, concatenated
    return torch::matmul(h, head);
  };
  const std::vector<eval::LoglikelihoodRequest> requests{{"abca", "bd"}, {"a", "dcb"}, {"dd ", "a"}};
  const auto a = eval::causal_lm_loglikelihood(full)(requests);
  const auto b = eval::causal_lm_loglikelihood(split)(requests);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i].logprob, b[i].logprob, 1e-5) << i;
    EXPECT_EQ(a[i].greedy, b[i].greedy) << i;
    EXPECT_LT(a[i].logprob, 0.0);
  }
  EXPECT_NE(a[0].logprob, a[1].logprob);
  eval::CausalLm none;
  none.encode = full.encode;
  EXPECT_THROW(eval::causal_lm_loglikelihood(none)(requests), Error);
}

TEST(LmTasks, HellaswagPreprocessingMatchesTheHarness) {
  EXPECT_EQ(eval::hellaswag_preprocess("  How to x [title] Do y [step] now  "), "How to x. Do y now");
}

TEST(LmTasks, ParsesHandMadeFilesAndRejectsBadOnes) {
  test::TempDir dir;
  write_text_atomically(dir / "piqa.json", R"([{"instruction": "Please choose the correct solution to the question: Open a jar\n\nSolution1: twist the lid\n\nSolution2: eat the lid\n\nAnswer format: solution1/solution2", "input": "", "output": "", "answer": "solution1"}])");
  auto piqa = eval::read_task_items(LmTask::Piqa, dir / "piqa.json");
  ASSERT_EQ(piqa.size(), 1u);
  EXPECT_EQ(piqa[0].options[0].context, "Question: Open a jar\nAnswer:");
  EXPECT_EQ(piqa[0].options[1].continuation, " eat the lid");
  EXPECT_EQ(piqa[0].gold, 0);

  write_text_atomically(dir / "arc.json", R"([{"instruction": "Please choose the correct answer to the question: 2+2?\n\nAnswer1: 3 Answer2: 4 Answer3: five\n\nAnswer format: answer1/answer2/answer3", "answer": "answer2"}])");
  auto arc = eval::read_task_items(LmTask::ArcEasy, dir / "arc.json");
  ASSERT_EQ(arc[0].options.size(), 3u);
  EXPECT_EQ(arc[0].options[2].continuation, " five");
  EXPECT_EQ(arc[0].gold, 1);

  write_text_atomically(dir / "wino.json", R"([{"instruction": "Please choose the correct answer to fill in the blank to complete the given sentence: Ann beat Bo so _ won.\n\nOption1: Ann Option2: Bo Answer format: option1/option2", "answer": "option1"}])");
  auto wino = eval::read_task_items(LmTask::WinoGrande, dir / "wino.json");
  EXPECT_EQ(wino[0].options[0].context, "Ann beat Bo so Ann");
  EXPECT_EQ(wino[0].options[1].context, "Ann beat Bo so Bo");
  EXPECT_EQ(wino[0].options[0].continuation, " won.");

  write_text_atomically(dir / "lambada.jsonl", "{\"text\": \"he said hello\"}\n");
  auto lambada = eval::read_task_items(LmTask::Lambada, dir / "lambada.jsonl");
  EXPECT_EQ(lambada[0].options[0].context, "he said");
  EXPECT_EQ(lambada[0].options[0].continuation, " hello");

  write_text_atomically(dir / "bad.json", R"([{"instruction": "no markers here", "answer": "solution1"}])");
  EXPECT_THROW(eval::read_task_items(LmTask::Piqa, dir / "bad.json"), Error);
  write_text_atomically(dir / "bad2.json", "[1, 2");
  EXPECT_THROW(eval::read_task_items(LmTask::ArcEasy, dir / "bad2.json"), Error);
  write_text_atomically(dir / "hs.txt", "ctx\n7\na\nb\nc\nd\n");
  EXPECT_THROW(eval::read_task_items(LmTask::HellaSwag, dir / "hs.txt"), Error);
  write_text_atomically(dir / "hs5.txt", "ctx\n1\na\nb\nc\n");
  EXPECT_THROW(eval::read_task_items(LmTask::HellaSwag, dir / "hs5.txt"), Error);
  EXPECT_THROW(eval::read_task_items(LmTask::Lambada, dir / "missing.jsonl"), Error);
  EXPECT_THROW(eval::parse_lm_task("mmlu"), Error);
}

TEST(LmTasks, ParsesTheRealFiles) {
  SUBQ_REQUIRE_SHARED(piqa, "data/eval/piqa_test.json");
  EXPECT_EQ(eval::read_task_items(LmTask::Piqa, piqa).size(), 1838u);
  auto arc = eval::read_task_items(LmTask::ArcEasy, test::shared_file("data/eval/ARC-Easy_test.json"));
  ASSERT_EQ(arc.size(), 2376u);
  EXPECT_EQ(arc[0].options[0].continuation, " Sunlight is the source of energy for nearly all ecosystems.");
  EXPECT_EQ(arc[0].options[3].continuation, " The producers in all ecosystems are plants.");
  auto wino = eval::read_task_items(LmTask::WinoGrande, test::shared_file("data/eval/winogrande_test.json"));
  ASSERT_EQ(wino.size(), 1267u);
  EXPECT_EQ(wino[0].options[1].context, "Sarah was a much better surgeon than Maria so Maria");
  EXPECT_EQ(wino[0].options[1].continuation, " always got the easier cases.");
  EXPECT_EQ(wino[0].gold, 1);
  auto lambada = eval::read_task_items(LmTask::Lambada, test::shared_file("data/eval/lambada_test.jsonl"));
  EXPECT_EQ(lambada.size(), 5153u);
  auto hs = eval::read_task_items(LmTask::HellaSwag, test::shared_file("data/eval/hellaswag_val_full.txt.bz2"), 3);
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[0].options[0].context, "Roof shingle removal: A man is sitting on a roof. he");
  EXPECT_EQ(hs[0].options[3].continuation, " starts pulling up roofing on a roof.");
  EXPECT_EQ(hs[0].gold, 3);
}
