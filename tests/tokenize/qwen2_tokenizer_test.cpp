// Qwen2 byte-level BPE (GGUF tokenizer.ggml.pre = "qwen2") against an outside reference:
// Hugging Face `tokenizers` built from the same GGUF's vocabulary and merges with Qwen2's
// split regex (tests/tokenize/qwen2_tokenizer_reference.py, run in the gguf-venv of
// scripts/install_deps.sh). Needs a Qwen2.5-Coder GGUF (scripts/fetch_qwen.sh); skips without.
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "subq/io/gguf.h"
#include "subq/tokenize/tokenizer.h"
#include "support/test_support.h"
#include "tokenize/text_samples.h"

using namespace subq;
using nlohmann::json;

namespace {

const std::string kReference = std::string(SUBQ_TEST_DATA) + "/../tokenize/qwen2_tokenizer_reference.py";

// Code, digits, whitespace runs, newlines (the Qwen2 regex keeps them with symbols), both
// cases of contractions, non-Latin scripts, and ChatML / FIM / tool specials.
std::vector<std::string> qwen_texts() {
  std::vector<std::string> t = {
      "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
      "#include <stdio.h>\nint main(void) {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}\n",
      "for (int i = 0; i < 1024; ++i) x[i] = 3.14159f * i;", "12345 678.9 0x1F 1e-10 2024-12-03",
      "don't it's we're they've I'm you'll he'd", "DON'T IT'S WE'RE THEY'VE I'M YOU'LL HE'D",
      "'s 'S 'sam 'Re ''t", "line1\nline2\r\nline3\n\n\nline4", "\n\n  \n \t\n  x", "x  \n  y",
      "end with newline spaces \n  ", "!!!??? ... --- ===", "foo();\n\n// comment\n", "a.b.c->d::e",
      "(hello) [world] {json: true}", "$var @decorator #hash %mod ^xor &and *ptr",
      "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nWrite quicksort.<|im_end|>\n"
      "<|im_start|>assistant\n",
      "<|endoftext|>", "mixed<|im_end|>text<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
      "<tool_call>{\"name\": \"f\"}</tool_call>", "«guillemets» and ‹single›", std::string(60, 'a'),
      "    def method(self, *args, **kwargs) -> Dict[str, Any]:", "SELECT * FROM users WHERE id = 7;",
      "x=1;y=22;z=333;w=4444", "\r\r\n\r", "  !x", " \t!x\n", "\t\tfoo", "'hello' \"world\"",
  };
  for (auto& s : test::hard_texts()) t.push_back(s);
  // Seeded random strings over characters of every class the regex distinguishes.
  const std::vector<std::string> alphabet = {
      "a", "Z", "s", "S", "t", "d", "M", "l", "L", "r", "e", "E", "v", "'", " ", " ", "\t", "\n",
      "\r", "0", "7", ".", ",", ";", "(", ")", "{", "-", "_", "=", "*", "/", "\\", "\"", "#",
      "é", "中", "٣", "²", "\u00a0", "\u3000", "😀", "’", "Ж"};
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string s;
    for (int n = 1 + int(rng() % 40); n > 0; --n) s += alphabet[rng() % alphabet.size()];
    t.push_back(s);
  }
  // Real prose when ../shared is there (read by path, not copied).
  for (auto& line : test::sample_shared_lines("data/text/wiki.test.raw", 100)) t.push_back(line);
  return t;
}

}  // namespace

TEST(Qwen2Tokenizer, MatchesHuggingFaceTokenizersOnTheGgufVocabulary) {
  const auto models = test::qwen_models();
  if (models.empty())
    GTEST_SKIP() << "no Qwen2.5-Coder GGUF (scripts/fetch_qwen.sh 0.5b, or set SUBQ_QWEN_MODEL)";
  const std::string python = test::gguf_python();
  if (python.empty())
    GTEST_SKIP() << "needs the gguf-venv with `gguf` and `tokenizers` (scripts/install_deps.sh; "
                    "or set SUBQ_GGUF_PYTHON)";
  const auto& path = models.front();
  io::GgufFile gguf(path);
  ASSERT_EQ(gguf.get("tokenizer.ggml.pre").as_string(), "qwen2");
  const auto tok = tokenize::load_tokenizer_from_gguf(gguf);

  const auto texts = qwen_texts();
  test::TempDir dir;
  std::ofstream(dir / "texts.json") << json(texts).dump();
  const std::string cmd = fmt::format("'{}' '{}' '{}' '{}' '{}'", python, kReference, path.string(),
                                      (dir / "texts.json").string(), (dir / "ids.json").string());
  std::string output;
  ASSERT_EQ(test::run_command(cmd, &output), 0) << cmd << "\n" << output;
  std::ifstream in(dir / "ids.json");
  const auto want = json::parse(in).get<std::vector<std::vector<int32_t>>>();
  ASSERT_EQ(want.size(), texts.size());
  size_t same = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto ids = tok->encode(texts[i], /*add_bos=*/false, /*parse_special=*/true);
    EXPECT_EQ(ids, want[i]) << "text " << i << ": " << json(texts[i]).dump();
    same += ids == want[i];
    EXPECT_EQ(tok->decode(ids), texts[i]) << json(texts[i]).dump();
  }
  std::cout << path.filename().string() << ": " << same << "/" << texts.size()
            << " texts encode to the reference ids\n";
}

TEST(Qwen2Tokenizer, NoBosSingleDigitsAndChatMlSpecials) {
  const auto models = test::qwen_models();
  if (models.empty())
    GTEST_SKIP() << "no Qwen2.5-Coder GGUF (scripts/fetch_qwen.sh 0.5b, or set SUBQ_QWEN_MODEL)";
  io::GgufFile gguf(models.front());
  const auto tok = tokenize::load_tokenizer_from_gguf(gguf);
  // The GGUF names a BOS id (<|endoftext|>) but sets add_bos_token = false.
  EXPECT_EQ(tok->bos_id(), 151643);
  EXPECT_FALSE(tok->adds_bos());
  EXPECT_EQ(tok->encode("hello", /*add_bos=*/true), tok->encode("hello", /*add_bos=*/false));
  EXPECT_EQ(tok->eos_id(), 151645);  // <|im_end|>
  EXPECT_TRUE(tok->is_end_of_generation(tok->find_token("<|endoftext|>")));
  const auto digits = tok->encode("2024", false);
  ASSERT_EQ(digits.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(tok->token_text(digits[i]), std::string(1, "2024"[i]));
  const auto chat = tok->encode("<|im_start|>user\nhi<|im_end|>", false);
  ASSERT_GE(chat.size(), 3u);
  EXPECT_EQ(chat.front(), 151644);
  EXPECT_EQ(chat.back(), 151645);
}
