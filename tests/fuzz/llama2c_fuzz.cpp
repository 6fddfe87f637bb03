#include "fuzz_support.h"
#include "subq/io/llama2c.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = subq::fuzz::scratch_file(data, size, ".bin");
  subq::fuzz::expect_clean([&] { (void)subq::io::load_llama2c(path); });
  return 0;
}
