#include "subq/tokenize/pre_tokenizer.h"

#include "subq/tokenize/unicode.h"
#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq::tokenize;
using Words = std::vector<std::string>;

// Expected splits worked out by hand from the GPT-2 pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
TEST(PreTokenizer, Gpt2Pattern) {
  EXPECT_EQ(pre_tokenize("Hello world", PreTokenizer::Gpt2), (Words{"Hello", " world"}));
  EXPECT_EQ(pre_tokenize("don't we're", PreTokenizer::Gpt2), (Words{"don", "'t", " we", "'re"}));
  EXPECT_EQ(pre_tokenize("a  b", PreTokenizer::Gpt2), (Words{"a", " ", " b"}));
  EXPECT_EQ(pre_tokenize("a   ", PreTokenizer::Gpt2), (Words{"a", "   "}));
  EXPECT_EQ(pre_tokenize("x \nab", PreTokenizer::Gpt2), (Words{"x", " ", "\n", "ab"}));
  EXPECT_EQ(pre_tokenize("x\n\n  y", PreTokenizer::Gpt2), (Words{"x", "\n\n ", " y"}));
  EXPECT_EQ(pre_tokenize("abc123 45", PreTokenizer::Gpt2), (Words{"abc", "123", " 45"}));
  EXPECT_EQ(pre_tokenize("hi!!! ?", PreTokenizer::Gpt2), (Words{"hi", "!!!", " ?"}));
  EXPECT_EQ(pre_tokenize("'x", PreTokenizer::Gpt2), (Words{"'", "x"}));
  EXPECT_EQ(pre_tokenize("café 東京", PreTokenizer::Gpt2), (Words{"café", " 東京"}));
  EXPECT_EQ(pre_tokenize("", PreTokenizer::Gpt2), Words{});
}

TEST(PreTokenizer, IndividualDigits) {
  EXPECT_EQ(pre_tokenize("abc123 45", PreTokenizer::Gpt2IndividualDigits),
            (Words{"abc", "1", "2", "3", " ", "4", "5"}));
  EXPECT_EQ(pre_tokenize("x٣y", PreTokenizer::Gpt2IndividualDigits), (Words{"x", "٣", "y"}));
}

// Expected splits worked out by hand from the Qwen2 pattern
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
TEST(PreTokenizer, Qwen2Pattern) {
  const auto q = PreTokenizer::Qwen2;
  EXPECT_EQ(pre_tokenize("Hello world", q), (Words{"Hello", " world"}));
  EXPECT_EQ(pre_tokenize("don't WE'RE", q), (Words{"don", "'t", " WE", "'RE"}));  // any case
  EXPECT_EQ(pre_tokenize("'sam 'x", q), (Words{"'s", "am", " '", "x"}));
  EXPECT_EQ(pre_tokenize("abc123 45", q), (Words{"abc", "1", "2", "3", " ", "4", "5"}));
  EXPECT_EQ(pre_tokenize("(hello)", q), (Words{"(hello", ")"}));  // one symbol joins the letters
  EXPECT_EQ(pre_tokenize("\tfoo", q), (Words{"\tfoo"}));
  EXPECT_EQ(pre_tokenize("\nfoo", q), (Words{"\n", "foo"}));      // but not a newline
  EXPECT_EQ(pre_tokenize("foo;\n\nbar", q), (Words{"foo", ";\n\n", "bar"}));
  EXPECT_EQ(pre_tokenize("x\n\n  y", q), (Words{"x", "\n\n", " ", " y"}));
  EXPECT_EQ(pre_tokenize("x \n \t\ny", q), (Words{"x", " \n \t\n", "y"}));
  EXPECT_EQ(pre_tokenize("a  b", q), (Words{"a", " ", " b"}));
  EXPECT_EQ(pre_tokenize("a   ", q), (Words{"a", "   "}));
  EXPECT_EQ(pre_tokenize(" !!x", q), (Words{" !!", "x"}));
  EXPECT_EQ(pre_tokenize("café 東京", q), (Words{"café", " 東京"}));
  EXPECT_EQ(pre_tokenize("", q), Words{});
}

TEST(PreTokenizer, InvalidUtf8IsKeptByteForByte) {
  const std::string text = "a\xff\xc3 b\x80";
  for (auto kind : {PreTokenizer::Gpt2, PreTokenizer::Gpt2IndividualDigits, PreTokenizer::Qwen2}) {
    std::string joined;
    for (const auto& w : pre_tokenize(text, kind)) joined += w;
    EXPECT_EQ(joined, text) << int(kind);
  }
}

TEST(PreTokenizer, Names) {
  EXPECT_EQ(pre_tokenizer_from_name("smollm"), PreTokenizer::Gpt2IndividualDigits);
  EXPECT_EQ(pre_tokenizer_from_name("default"), PreTokenizer::Gpt2);
  EXPECT_EQ(pre_tokenizer_from_name("qwen2"), PreTokenizer::Qwen2);
  EXPECT_THROW(pre_tokenizer_from_name("llama-bpe"), subq::Error);
}

TEST(Unicode, Classes) {
  EXPECT_TRUE(is_letter('a'));
  EXPECT_TRUE(is_letter(0x6771));   // 東
  EXPECT_FALSE(is_letter('1'));
  EXPECT_TRUE(is_number(0x0663));   // Arabic-Indic three
  EXPECT_TRUE(is_number(0x216B));   // Roman numeral twelve (Nl)
  EXPECT_TRUE(is_number(0x00B2));   // superscript two (No)
  EXPECT_FALSE(is_number('x'));
  EXPECT_TRUE(is_whitespace(0x3000));
  EXPECT_FALSE(is_whitespace(0x200B));  // zero width space is not White_Space
  EXPECT_FALSE(is_letter(kInvalidCodepoint));
}

TEST(Unicode, Utf8Decoding) {
  const auto chars = split_utf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xc0\xaf\xed\xa0\x80");
  ASSERT_EQ(chars.size(), 10u);
  EXPECT_EQ(chars[1].codepoint, 0xE9u);
  EXPECT_EQ(chars[2].codepoint, 0x20ACu);
  EXPECT_EQ(chars[3].codepoint, 0x1F600u);
  EXPECT_EQ(chars[4].codepoint, kInvalidCodepoint);  // 0xff
  EXPECT_EQ(chars[5].codepoint, kInvalidCodepoint);  // overlong "/" (c0 af): two invalid bytes
  EXPECT_EQ(chars[7].codepoint, kInvalidCodepoint);  // surrogate d800: three invalid bytes
  EXPECT_EQ(encode_utf8(0x1F600), "\xf0\x9f\x98\x80");
  EXPECT_EQ(encode_utf8(0xE9), "\xc3\xa9");
}
