#include "support/test_support.h"
#include "support/test_config.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <torch/torch.h>

namespace subq::test {
namespace fs = std::filesystem;

fs::path shared_root() {
  const char* env = std::getenv("SUBQ_SHARED");
  fs::path root = env ? fs::path(env) : fs::path(SUBQ_DEFAULT_SHARED);
  return fs::is_directory(root) ? root : fs::path();
}

fs::path shared_file(const std::string& relative) {
  const fs::path root = shared_root();
  if (root.empty()) return {};
  const fs::path p = root / relative;
  return fs::exists(p) ? p : fs::path();
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("subq_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string subq_binary() { return SUBQ_BINARY; }

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {
fs::path cache_dir() {
  const char* cache = std::getenv("SUBQ_CACHE");
  const char* home = std::getenv("HOME");
  return cache ? fs::path(cache) : fs::path(home ? home : "/root") / ".cache/subq";
}
}  // namespace

std::string gguf_python() {
  // Checked once per process: the import costs about half a second.
  static const std::string python = [] {
    const char* env = std::getenv("SUBQ_GGUF_PYTHON");
    const std::string p = env && *env ? env : (cache_dir() / "gguf-venv/bin/python").string();
    if (!fs::exists(p)) return std::string();
    return run_command("'" + p + "' -c 'import gguf, tokenizers'") == 0 ? p : std::string();
  }();
  return python;
}

std::vector<fs::path> qwen_models() {
  if (const char* env = std::getenv("SUBQ_QWEN_MODEL"); env && *env)
    return fs::exists(env) ? std::vector<fs::path>{env} : std::vector<fs::path>{};
  std::vector<fs::path> out;
  for (const char* name : {"Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf", "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf"})
    if (fs::exists(cache_dir() / name)) out.push_back(cache_dir() / name);
  return out;
}

// Tests run with a fixed, small thread count so timings and results are repeatable on CI.
namespace {
struct ThreadSetup {
  ThreadSetup() { torch::set_num_threads(2); }
} thread_setup;
}  // namespace

}  // namespace subq::test
