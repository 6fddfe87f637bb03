#include "fuzz_support.h"
#include "subq/io/gguf.h"
#include "subq/tokenize/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = subq::fuzz::scratch_file(data, size, ".gguf");
  subq::fuzz::expect_clean([&] {
    subq::io::GgufFile f(path);
    for (const auto& [key, value] : f.metadata()) (void)value.to_display_string();
    for (const auto& t : f.tensors())
      if (t.numel() <= (1 << 16)) subq::fuzz::expect_clean([&] { (void)f.load(t); });
    auto tok = subq::tokenize::load_tokenizer_from_gguf(f);
    (void)tok->decode(tok->encode("Hello <s> world 123 ☃", true));
  });
  return 0;
}
