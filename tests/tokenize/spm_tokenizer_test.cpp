#include "subq/tokenize/spm_tokenizer.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "subq/io/gguf.h"
#include "subq/tokenize/tokenizer_formats.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"
#include "tokenize/text_samples.h"

using namespace subq;

namespace {

std::vector<int32_t> golden_prompt_ids() {
  const auto path = test::shared_file("models/stories260K/golden_reference.json");
  const auto golden = nlohmann::json::parse(read_file(path));
  return golden.at("prompt_ids").get<std::vector<int32_t>>();
}

std::vector<std::string> corpus_lines() {
  auto lines = test::hard_texts();
  for (const char* file : {"data/text/tinystories_val_first1000_eot.txt", "data/text/wiki.test.raw"})
    for (auto& l : test::sample_shared_lines(file, 150)) lines.push_back(l);
  return lines;
}

// The torch-free tools/spm_reference program (built next to the subq binary).
std::string spm_reference_tool() {
  return (std::filesystem::path(test::subq_binary()).parent_path() / "spm_reference").string();
}

// Ids libsentencepiece gives each line, from spm_reference.
std::vector<std::vector<int32_t>> reference_ids(const std::string& model,
                                                const std::vector<std::string>& lines) {
  test::TempDir dir;
  {
    std::ofstream in(dir / "lines.txt", std::ios::binary);
    for (const auto& line : lines) {
      for (char c : line) in << (c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c));
      in << '\n';
    }
  }
  std::string output;
  const int rc = test::run_command(spm_reference_tool() + " " + model + " < " + (dir / "lines.txt").string() + " > " +
                                   (dir / "ids.txt").string(), &output);
  EXPECT_EQ(rc, 0) << output;
  std::vector<std::vector<int32_t>> out;
  std::ifstream ids(dir / "ids.txt");
  for (std::string line; std::getline(ids, line);) {
    std::istringstream s(line);
    std::vector<int32_t> row;
    for (int32_t id; s >> id;) row.push_back(id);
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST(SpmTokenizer, GoldenPromptFromLlama2cTokenizerBin) {
  SUBQ_REQUIRE_SHARED(path, "models/stories260K/tok512.bin");
  auto tok = tokenize::load_llama2c_tokenizer(path, 512);
  EXPECT_EQ(tok->vocab_size(), 512);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->encode("Once upon a time", true), golden_prompt_ids());
  EXPECT_EQ(tok->decode(tok->encode("Once upon a time", true)), "Once upon a time");
}

TEST(SpmTokenizer, GoldenPromptFromGgufAndSameAsTokenizerBin) {
  SUBQ_REQUIRE_SHARED(gguf_path, "models/stories260K/stories260K.gguf");
  SUBQ_REQUIRE_SHARED(bin_path, "models/stories260K/tok512.bin");
  io::GgufFile gguf(gguf_path);
  auto from_gguf = tokenize::load_tokenizer_from_gguf(gguf);
  auto from_bin = tokenize::load_tokenizer_file(bin_path, 512);
  EXPECT_EQ(from_gguf->encode("Once upon a time", true), golden_prompt_ids());
  for (const auto& line : corpus_lines()) {
    ASSERT_EQ(from_gguf->encode(line, true), from_bin->encode(line, true)) << line;
    // Decoding drops BOS/EOS, so the round trip holds when "<s>" is not parsed as BOS.
    EXPECT_EQ(from_gguf->decode(from_gguf->encode(line, true, false)), line);
  }
  // Byte fallback: "中" is not in the 512-token vocabulary; its 3 UTF-8 bytes become <0xXX>
  // tokens (id = byte + 3 in llama vocabularies).
  const auto cjk = from_gguf->encode("中", false);
  ASSERT_GE(cjk.size(), 3u);
  EXPECT_EQ(std::vector<int32_t>(cjk.end() - 3, cjk.end()), (std::vector<int32_t>{0xE4 + 3, 0xB8 + 3, 0xAD + 3}));
}

TEST(SpmTokenizer, MatchesLibsentencepieceOnLlama2Tokenizer) {
  SUBQ_REQUIRE_SHARED(model, "models/llama2-tokenizer/tokenizer.model");
  if (!std::filesystem::exists(spm_reference_tool()))
    GTEST_SKIP() << spm_reference_tool() << " is not built (cmake --build build --target spm_reference)";
  const auto lines = corpus_lines();
  ASSERT_GE(lines.size(), 20u);
  const auto expected = reference_ids(model.string(), lines);
  ASSERT_EQ(expected.size(), lines.size());
  auto tok = tokenize::load_sentencepiece_model(model);
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  size_t mismatches = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto ids = tok->encode(lines[i], false, false);
    if (ids != expected[i] && ++mismatches < 5) ADD_FAILURE() << "line " << i << ": " << lines[i];
    if (lines[i].find('\x01') == std::string::npos) EXPECT_EQ(tok->decode(ids), lines[i]);
  }
  EXPECT_EQ(mismatches, 0u) << "of " << lines.size() << " lines";
}

TEST(SpmTokenizer, TokenizerModelAndTokenizerBinAgree) {
  SUBQ_REQUIRE_SHARED(model, "models/llama2-tokenizer/tokenizer.model");
  SUBQ_REQUIRE_SHARED(bin, "models/llama2-tokenizer/tokenizer.bin");
  auto a = tokenize::load_tokenizer_file(model);
  auto b = tokenize::load_tokenizer_file(bin, 32000);
  for (const auto& line : corpus_lines()) EXPECT_EQ(a->encode(line, true, false), b->encode(line, true, false)) << line;
}

TEST(SpmTokenizer, SpecialsAndTokenText) {
  SUBQ_REQUIRE_SHARED(path, "models/stories260K/tok512.bin");
  auto tok = tokenize::load_llama2c_tokenizer(path);
  EXPECT_EQ(tok->vocab_size(), 512);
  const auto with = tok->encode("<s>x", false, true);
  EXPECT_EQ(with.front(), 1);
  EXPECT_NE(tok->encode("<s>x", false, false).front(), 1);
  EXPECT_EQ(tok->token_text(1), "");
  EXPECT_EQ(tok->token_text(259), " t");
  EXPECT_EQ(tok->token_text(3 + 'A'), "A");
  EXPECT_EQ(tok->find_token("<s>"), 1);
  EXPECT_TRUE(tok->is_end_of_generation(2));
  EXPECT_THROW(tok->token_text(512), Error);
  EXPECT_TRUE(tok->encode("", false).empty());
}

TEST(SpmTokenizer, CorruptFilesAreErrors) {
  SUBQ_REQUIRE_SHARED(bin, "models/stories260K/tok512.bin");
  SUBQ_REQUIRE_SHARED(model, "models/llama2-tokenizer/tokenizer.model");
  const std::string good_bin = read_file(bin);
  for (size_t n : {size_t(0), size_t(3), size_t(10), good_bin.size() / 2, good_bin.size() - 1})
    EXPECT_THROW(tokenize::parse_llama2c_tokenizer(good_bin.substr(0, n), 512, "t.bin"), Error) << n;
  EXPECT_THROW(tokenize::parse_llama2c_tokenizer(good_bin, 511, "t.bin"), Error);  // bytes left over
  EXPECT_THROW(tokenize::parse_llama2c_tokenizer(good_bin, 513, "t.bin"), Error);  // too few tokens
  std::string bad_len = good_bin;
  const int32_t huge = 1 << 30;
  std::memcpy(bad_len.data() + 8, &huge, 4);  // first token's length
  EXPECT_THROW(tokenize::parse_llama2c_tokenizer(bad_len, 512, "t.bin"), Error);

  const std::string good_model = read_file(model);
  for (size_t n : {size_t(1), size_t(7), good_model.size() / 3, good_model.size() - 3}) {
    try {
      tokenize::parse_sentencepiece_model(good_model.substr(0, n), "t.model");
      ADD_FAILURE() << "truncated tokenizer.model accepted at " << n;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("t.model"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(tokenize::parse_sentencepiece_model("", "t.model"), Error);
  EXPECT_THROW(tokenize::parse_sentencepiece_model(std::string(16, '\xff'), "t.model"), Error);
}
