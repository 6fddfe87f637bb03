#include "fuzz_support.h"
#include "subq/tokenize/tokenizer_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  subq::fuzz::expect_clean([&] {
    auto tok = subq::tokenize::parse_tokenizer_json(text, "", "fuzz.json");
    (void)tok->decode(tok->encode("Hello <|im_start|> world 123 ☃", true));
  });
  return 0;
}
