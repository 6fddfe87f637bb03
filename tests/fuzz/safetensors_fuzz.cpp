#include "fuzz_support.h"
#include "subq/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = subq::fuzz::scratch_file(data, size, ".safetensors");
  subq::fuzz::expect_clean([&] { (void)subq::io::SafetensorsFile(path).load_all(); });
  return 0;
}
