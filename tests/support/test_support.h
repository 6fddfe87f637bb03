// Helpers shared by all tests: where the real data lives, and temporary directories.
#pragma once
#include <gtest/gtest.h>

#include "support/test_config.h"  // SUBQ_TEST_DATA, SUBQ_DEFAULT_SHARED, SUBQ_BINARY

#include <filesystem>
#include <string>
#include <vector>

namespace subq::test {

// Root of ../shared (or $SUBQ_SHARED); empty when absent.
std::filesystem::path shared_root();

// Full path of a file under ../shared, or "" when it is not there.
std::filesystem::path shared_file(const std::string& relative);

// A fresh, empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Path of the built `subq` binary, for end-to-end command tests.
std::string subq_binary();

// Runs a shell command; returns its exit status and fills `output` with stdout+stderr.
int run_command(const std::string& command, std::string* output = nullptr);

// Python of the venv holding the outside references `gguf` and `tokenizers`
// (scripts/install_deps.sh): $SUBQ_GGUF_PYTHON, else ~/.cache/subq/gguf-venv/bin/python.
// Empty when it is absent or cannot import both packages.
std::string gguf_python();

// Qwen2.5-Coder GGUFs from scripts/fetch_qwen.sh: $SUBQ_QWEN_MODEL alone when set, else the
// cached 0.5B and 1.5B files that exist. Empty when none is there.
std::vector<std::filesystem::path> qwen_models();

}  // namespace subq::test

// Skips the current test with a clear message when a ../shared file is missing;
// otherwise declares `var` as its full path.
#define SUBQ_REQUIRE_SHARED(var, relative)                                              \
  const auto var = ::subq::test::shared_file(relative);                                 \
  if (var.empty()) {                                                                    \
    GTEST_SKIP() << "needs ../shared/" << (relative)                                    \
                 << " (real data lives beside the checkout; set SUBQ_SHARED to point " \
                    "elsewhere)";                                                       \
  }
