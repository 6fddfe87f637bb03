// End-to-end: the info, generate and perplexity commands on stories260K.
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

using namespace subq;

namespace {
std::string run(const std::string& args, int* rc) {
  std::string out;
  *rc = test::run_command(test::subq_binary() + " " + args + " 2>&1", &out);
  return out;
}
}  // namespace

TEST(LlamaCli, GenerateStreamsTheGreedyStory) {
  SUBQ_REQUIRE_SHARED(gguf, "models/stories260K/stories260K.gguf");
  int rc = 0;
  const auto out = run("generate --threads 1 --model " + gguf.string() +
                           " --prompt 'Once upon a time' --max-tokens 12 --greedy", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Once upon a time, there was a little girl named Lily"), std::string::npos) << out;
  EXPECT_NE(out.find("tok/s"), std::string::npos) << out;
}

TEST(LlamaCli, InfoJsonDescribesTheCheckpoint) {
  SUBQ_REQUIRE_SHARED(bin, "models/stories260K/stories260K.bin");
  int rc = 0;
  const auto out = run("info --json " + bin.string(), &rc);
  ASSERT_EQ(rc, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["format"], "llama2c");
  EXPECT_EQ(j["config"]["dim"], 64);
  EXPECT_EQ(j["config"]["n_kv_heads"], 4);
  EXPECT_EQ(j["tokenizer_vocab"], 512);
  // 5 layers x 9 tensors + embedding + final norm; the output is tied.
  EXPECT_EQ(j["stored_tensors"], 47);
  EXPECT_EQ(j["family"], "llama");
  EXPECT_FALSE(j.contains("tensors"));  // the list only with --tensors
  int64_t tensors = 0, values = 0;
  for (const auto& [dtype, c] : j["dtypes"].items()) {
    tensors += c["tensors"].get<int64_t>();
    values += c["values"].get<int64_t>();
  }
  EXPECT_EQ(tensors, 47);
  EXPECT_EQ(values, j["parameters"].get<int64_t>());  // tied output: stored = parameters
  const auto listed = nlohmann::json::parse(run("info --json --tensors " + bin.string(), &rc));
  EXPECT_EQ(listed["tensors"].size(), 47u);
  const auto text = run("info " + bin.string(), &rc);
  EXPECT_NE(text.find("stored tensors 47"), std::string::npos) << text;
  EXPECT_EQ(text.find("blk.0.attn_k.weight"), std::string::npos) << text;
  EXPECT_NE(run("info --tensors " + bin.string(), &rc).find("blk.0.attn_k.weight"), std::string::npos);
}

TEST(LlamaCli, PerplexityJsonOnFiveStories) {
  SUBQ_REQUIRE_SHARED(gguf, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(text, "data/text/tinystories_val_first1000_eot.txt");
  int rc = 0;
  const auto out = run("perplexity --json --threads 1 --model " + gguf.string() + " --text " + text.string() +
                           " --max-docs 5 --ctx 128", &rc);
  ASSERT_EQ(rc, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["windows"], 5);
  EXPECT_EQ(j["protocol"], "documents");
  EXPECT_GT(j["perplexity"].get<double>(), 1.5);
  EXPECT_LT(j["perplexity"].get<double>(), 10.0);
}

TEST(LlamaCli, BadInputGivesAClearErrorAndNonZeroExit) {
  test::TempDir dir;
  int rc = 0;
  auto out = run("generate --model " + (dir / "missing.gguf").string() + " --prompt hi", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("missing.gguf"), std::string::npos) << out;
  out = run("generate --model x.gguf --prompt hi --greedy --temperature 0.5", &rc);
  EXPECT_NE(rc, 0) << out;
  {
    std::ofstream(dir / "truncated.gguf") << "GGUF\x03";
  }
  out = run("info " + (dir / "truncated.gguf").string(), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("truncated.gguf"), std::string::npos) << out;
}
