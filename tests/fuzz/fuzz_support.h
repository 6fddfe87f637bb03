// Shared by the fuzz targets: parsers that read from a path get the input through a
// per-process scratch file; subq::Error is the expected outcome for bad input, anything
// else (crash, sanitizer report, other exception) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "subq/util/error.h"

namespace subq::fuzz {

inline std::filesystem::path scratch_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("subq_fuzz_" + std::to_string(::getpid()) + suffix);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

template <typename Fn>
void expect_clean(Fn&& fn) {
  try {
    fn();
  } catch (const subq::Error&) {
    // Rejected with a message: what every malformed input must produce.
  }
}

}  // namespace subq::fuzz
