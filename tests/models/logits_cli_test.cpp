// End-to-end: `subq logits` writes what transformers computed (oracle fixtures), for decoders
// and the BERT encoder, and refuses a malformed id file with its name and line.
#include <gtest/gtest.h>

#include <fstream>

#include "subq/io/npy.h"
#include "subq/util/json_file.h"
#include "support/test_support.h"

using namespace subq;
namespace fs = std::filesystem;

namespace {

std::string run(const std::string& args, int* rc) {
  std::string out;
  *rc = test::run_command(test::subq_binary() + " " + args + " 2>&1", &out);
  return out;
}

// The oracle's two input sequences written one per line (the second comma-separated).
fs::path write_ids(const fs::path& dir, const fs::path& file) {
  const auto ids = read_json_file(dir / "inputs.json")["input_ids"];
  std::ofstream out(file);
  for (size_t i = 0; i < ids[0].size(); ++i) out << ids[0][i].get<int>() << " ";
  out << "\n\n";
  for (size_t i = 0; i < ids[1].size(); ++i) out << (i ? ", " : "") << ids[1][i].get<int>();
  out << "\n";
  return file;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

}  // namespace

TEST(LogitsCli, WritesTransformersLogitsPerLine) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/qwen2");
  test::TempDir tmp;
  int rc = 0;
  const auto out = run("logits --threads 1 --model " + dir.string() + " --ids " +
                           write_ids(dir, tmp / "ids.txt").string() + " --out " + (tmp / "out.npy").string(),
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("logits (qwen2)"), std::string::npos) << out;
  for (const char* i : {"0", "1"})
    EXPECT_LT(max_diff(io::read_npy(tmp / (std::string("out_") + i + ".npy")),
                       io::read_npy(dir / (std::string("logits_") + i + ".npy"))),
              1e-4);
}

TEST(LogitsCli, BertWritesLastHiddenStates) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/bert");
  test::TempDir tmp;
  {
    const auto inputs = read_json_file(dir / "inputs.json");  // named: the loop must not outlive it
    std::ofstream ids(tmp / "ids.txt");
    for (const auto& id : inputs["input_ids"][1]) ids << id.get<int>() << " ";
  }
  int rc = 0;
  const auto out = run("logits --threads 1 --model " + dir.string() + " --ids " + (tmp / "ids.txt").string() +
                           " --out " + (tmp / "h.npy").string(),
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_LT(max_diff(io::read_npy(tmp / "h.npy"), io::read_npy(dir / "last_hidden_state_1.npy")), 1e-4);
}

TEST(LogitsCli, MalformedIdsAreRefusedWithFileAndLine) {
  SUBQ_REQUIRE_SHARED(dir, "oracle/llama");
  test::TempDir tmp;
  std::ofstream(tmp / "ids.txt") << "1 2 3\n4 five 6\n";
  int rc = 0;
  auto out = run("logits --model " + dir.string() + " --ids " + (tmp / "ids.txt").string() + " --out " +
                     (tmp / "o.npy").string(),
                 &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("ids.txt:2: 'five 6' is not a token id"), std::string::npos) << out;
  std::ofstream(tmp / "big.txt") << "1 2 999\n";
  out = run("logits --model " + dir.string() + " --ids " + (tmp / "big.txt").string() + " --out " +
                (tmp / "o.npy").string(),
            &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("token id 999 is outside the vocabulary"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp / "o.npy"));
}
