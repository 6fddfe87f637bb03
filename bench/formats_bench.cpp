// Checkpoint and tokenizer throughput (docs/formats.md):
//   build/bench/formats_bench [MODEL.gguf] [SHARED_DIR]
// 1. GGUF: parse time, then dequantizing every tensor to float32 with 1 thread and with all
//    threads; baseline = copying the same raw bytes (memcpy), measured in the same run.
// 2. Tokenizers: encode MB/s of the TinyStories text for the llama2.c (512), Llama 2 (32000)
//    and SmolLM2 BPE (49152) tokenizers; baseline = one UTF-8 decoding pass over the text.
// Times are process CPU seconds (std::clock, all threads summed) next to wall seconds: on a
// shared machine the wall clock mostly measures the other processes.
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>

#include "subq/io/gguf.h"
#include "subq/tokenize/tokenizer.h"
#include "subq/tokenize/unicode.h"
#include "subq/util/atomic_file.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

using namespace subq;

namespace {

// Wall and process-CPU seconds of one measured region.
struct Clock {
  Timer wall;
  std::clock_t cpu0 = std::clock();
  double cpu() const { return double(std::clock() - cpu0) / CLOCKS_PER_SEC; }
};

// Returns CPU seconds; *wall gets wall seconds.
double dequantize_all(const io::GgufFile& f, int64_t* params, double* wall) {
  Clock t;
  *params = 0;
  for (const auto& info : f.tensors()) {
    auto x = f.load(info);
    *params += x.numel();
  }
  *wall = t.wall.seconds();
  return t.cpu();
}

double copy_all(const io::GgufFile& f, uint64_t* bytes) {
  Clock t;
  *bytes = 0;
  std::vector<uint8_t> buffer;
  for (const auto& info : f.tensors()) {
    buffer.resize(info.bytes);
    std::memcpy(buffer.data(), f.tensor_data(info), info.bytes);
    *bytes += info.bytes;
  }
  return t.cpu();
}

void bench_gguf(const std::string& path) {
  Timer parse;
  io::GgufFile f(path);
  const double parse_s = parse.seconds();
  uint64_t bytes = 0;
  int64_t params = 0;
  copy_all(f, &bytes);  // warm the page cache so all runs read from memory
  const double copy_s = copy_all(f, &bytes);
  const int threads = configure_threads(0);
  double multi_wall = 0, single_wall = 0;
  const double multi_s = dequantize_all(f, &params, &multi_wall);
  configure_threads(1);
  const double single_s = dequantize_all(f, &params, &single_wall);
  configure_threads(threads);
  std::cout << fmt::format("gguf {}: {} tensors, {:.1f} M params, {:.1f} MB of tensor data\n", path,
                           f.tensors().size(), params / 1e6, bytes / 1e6);
  std::cout << fmt::format("  parse header+metadata: {:.3f} s wall\n", parse_s);
  std::cout << fmt::format("  memcpy raw bytes (baseline): {:.3f} s CPU ({:.0f} MB/s)\n", copy_s, bytes / 1e6 / copy_s);
  std::cout << fmt::format("  dequantize all, 1 thread: {:.3f} s CPU, {:.3f} s wall ({:.0f} Mparams/s CPU, "
                           "{:.1f}x the memcpy CPU time)\n",
                           single_s, single_wall, params / 1e6 / single_s, single_s / copy_s);
  std::cout << fmt::format("  dequantize all, {} threads: {:.3f} s CPU, {:.3f} s wall ({:.2f}x the 1-thread wall time)\n",
                           threads, multi_s, multi_wall, multi_wall / single_wall);
}

void bench_tokenizer(const std::string& name, const tokenize::Tokenizer& tok, const std::string& text,
                     double baseline_s) {
  Clock c;
  const auto ids = tok.encode(text, false, false);
  const double s = c.cpu(), wall = c.wall.seconds();
  std::cout << fmt::format("  {}: {:.2f} MB/s CPU ({:.2f} s CPU, {:.2f} s wall; {} tokens, {:.2f} bytes/token, "
                           "{:.0f}x the UTF-8 scan CPU time)\n",
                           name, text.size() / 1e6 / s, s, wall, ids.size(), double(text.size()) / ids.size(),
                           s / baseline_s);
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  try {
    const char* env = std::getenv("SUBQ_DEFAULT_MODEL");
    const std::string model = argc > 1 ? argv[1] : env ? env : "/root/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf";
    const std::string shared = argc > 2 ? argv[2] : "../shared";
    bench_gguf(model);

    const std::string text = read_file(shared + "/data/text/tinystories_val_first1000_eot.txt");
    Clock scan;
    const size_t chars = tokenize::split_utf8(text).size();
    const double scan_s = scan.cpu();
    std::cout << fmt::format("tokenizers on {:.2f} MB of TinyStories ({} chars); UTF-8 scan baseline {:.1f} MB/s CPU\n",
                             text.size() / 1e6, chars, text.size() / 1e6 / scan_s);
    bench_tokenizer("llama2.c tok512.bin (SPM, 512)",
                    *tokenize::load_tokenizer_file(shared + "/models/stories260K/tok512.bin", 512), text, scan_s);
    bench_tokenizer("Llama 2 tokenizer.model (SPM, 32000)",
                    *tokenize::load_tokenizer_file(shared + "/models/llama2-tokenizer/tokenizer.model"), text, scan_s);
    io::GgufFile gguf(model);
    bench_tokenizer("SmolLM2 GGUF (byte-level BPE, 49152)", *tokenize::load_tokenizer_from_gguf(gguf), text, scan_s);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
