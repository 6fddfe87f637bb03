#include "fuzz_support.h"
#include "subq/tokenize/tokenizer_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  subq::fuzz::expect_clean([&] {
    auto tok = subq::tokenize::parse_llama2c_tokenizer(bytes, 0, "fuzz.bin");
    (void)tok->decode(tok->encode("Hello <s> world 123 ☃", true));
  });
  return 0;
}
