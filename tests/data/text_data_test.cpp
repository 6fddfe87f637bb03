#include <gtest/gtest.h>

#include "subq/data/text_dataset.h"
#include "subq/data/text_packing.h"
#include "subq/tokenize/tokenizer.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::data {
namespace {

// One token per byte (ids 3..258), BOS 1, EOS 2: makes expected ids easy to write down.
class ByteTokenizer : public tokenize::Tokenizer {
 public:
  ByteTokenizer() { bos_id_ = 1; eos_id_ = 2; }
  std::vector<int32_t> encode(const std::string& text, bool add_bos, bool) const override {
    std::vector<int32_t> ids;
    if (add_bos) ids.push_back(bos_id_);
    for (unsigned char c : text) ids.push_back(3 + c);
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string s;
    for (auto id : ids) if (id >= 3) s.push_back(static_cast<char>(id - 3));
    return s;
  }
  std::string token_text(int32_t id) const override { return decode({id}); }
  int32_t vocab_size() const override { return 259; }
  int32_t find_token(const std::string&) const override { return -1; }
};

TEST(TextData, EndOfTextSplitsAndTrims) {
  test::TempDir dir;
  write_text_atomically(dir / "s.txt", "one story\n<|endoftext|>\ntwo\n<|endoftext|>\n\n");
  auto docs = read_text_documents(dir / "s.txt");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].completion, "one story");
  EXPECT_EQ(docs[1].completion, "two");
  EXPECT_EQ(select_documents(docs, "2-2")[0].completion, "two");
  EXPECT_THROW(select_documents(docs, "2-3"), Error);
  EXPECT_THROW(select_documents(docs, "x"), Error);
}

TEST(TextData, JsonlTextAndAlpacaRecords) {
  test::TempDir dir;
  write_text_atomically(dir / "d.jsonl",
                        "{\"text\": \"hello\"}\n\n"
                        "{\"instruction\": \"Add\", \"input\": \"1+1\", \"output\": \"2\"}\n");
  auto docs = read_text_documents(dir / "d.jsonl");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].prompt, "");
  EXPECT_EQ(docs[1].prompt, alpaca_prompt("Add", "1+1"));
  EXPECT_NE(docs[1].prompt.find("### Input:\n1+1"), std::string::npos);
  EXPECT_EQ(docs[1].completion, "2");

  write_text_atomically(dir / "bad.jsonl", "{\"text\": \"a\"}\n{\"tex\": 1}\n");
  try {
    read_text_documents(dir / "bad.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  write_text_atomically(dir / "broken.jsonl", "{\"text\": \"a\"\n");
  EXPECT_THROW(read_text_documents(dir / "broken.jsonl"), Error);
}

TEST(TextData, PromptTokensAreMaskedFromLabels) {
  ByteTokenizer tok;
  auto t = tokenize_document(tok, {"ab", "c"});
  EXPECT_EQ(t.ids, (std::vector<int32_t>{1, 3 + 'a', 3 + 'b', 3 + 'c', 2}));
  EXPECT_EQ(t.trained, (std::vector<bool>{false, false, false, true, true}));
  // One chunk of 4 inputs: labels are the next tokens, -100 where the target is prompt.
  PackedChunks chunks({t}, 4);
  ASSERT_EQ(chunks.size(), 1);
  auto b = chunks.slice(0, 1);
  EXPECT_TRUE(torch::equal(b.input_ids[0], torch::tensor(std::vector<int64_t>{1, 3 + 'a', 3 + 'b', 3 + 'c'})));
  EXPECT_TRUE(torch::equal(b.labels[0], torch::tensor(std::vector<int64_t>{kIgnoreLabel, kIgnoreLabel, 3 + 'c', 2})));
  EXPECT_EQ(b.trained_tokens(), 2);
  EXPECT_THROW(PackedChunks({t}, 8), Error);  // not enough tokens for a chunk
}

TEST(TextData, PackingConcatenatesWithoutPadding) {
  ByteTokenizer tok;
  std::vector<TokenizedDocument> docs;
  for (auto s : {"abcdef", "gh", "ijklmnop"}) docs.push_back(tokenize_document(tok, {"", s}));
  // 8 + 4 + 10 = 22 tokens -> 3 spans of 7 (6 inputs, labels shifted by one), 1 token left.
  // Span 1 is [EOS, BOS, g, h, EOS, BOS, i].
  PackedChunks chunks(docs, 6);
  ASSERT_EQ(chunks.size(), 3);
  auto all = chunks.slice(0, 3);
  EXPECT_EQ(all.input_ids[1][0].item<int64_t>(), 2);
  EXPECT_EQ(all.labels[1][0].item<int64_t>(), kIgnoreLabel);  // a BOS is never a target
  EXPECT_EQ(all.labels[1][1].item<int64_t>(), 3 + 'g');
  EXPECT_EQ(all.labels[0][5].item<int64_t>(), 3 + 'f');
  // Labels are tokens 1-6, 8-13, 15-20; of those, 8 and 12 are BOS.
  EXPECT_EQ(all.trained_tokens(), 16);
}

TEST(TextData, SplitAndSampleStreamAreDeterministic) {
  std::vector<TextDocument> docs;
  for (int i = 0; i < 50; ++i) docs.push_back({"", std::to_string(i)});
  std::vector<TextDocument> tr1, va1, tr2, va2;
  split_documents(docs, 0.2, 7, &tr1, &va1);
  split_documents(docs, 0.2, 7, &tr2, &va2);
  ASSERT_EQ(va1.size(), 10u);
  ASSERT_EQ(tr1.size(), 40u);
  for (size_t i = 0; i < va1.size(); ++i) EXPECT_EQ(va1[i].completion, va2[i].completion);

  SampleStream s(10, 3);
  auto first = s.range(0, 25);
  SampleStream fresh(10, 3);
  EXPECT_EQ(fresh.range(13, 12), std::vector<int64_t>(first.begin() + 13, first.end()));
  // Each epoch is a permutation of all chunks.
  auto epoch = s.range(10, 10);
  std::sort(epoch.begin(), epoch.end());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(epoch[i], i);
  EXPECT_NE(s.range(0, 10), s.range(10, 10));
}

}  // namespace
}  // namespace subq::data
