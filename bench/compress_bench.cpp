// Prefill and decode speed of a compressed checkpoint against its original model, measured in
// the same run on the same prompt (random tokens; speed does not depend on their values).
//   compress_bench <compressed dir> [prompt tokens=256] [decode tokens=64] [repeats=3]
// Prints tokens/s of both models and the speed-up ratios (median over repeats).
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "subq/transforms/compress/compressed_llama.h"
#include "subq/util/error.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

namespace {

using namespace subq;

struct Speed {
  double prefill_tps, decode_tps;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One prefill of `prompt` and `decode_tokens` greedy decode steps: {prefill tok/s, decode tok/s}.
Speed measure_once(models::LlamaModelImpl& model, const torch::Tensor& prompt, int64_t decode_tokens) {
  auto memory = model.new_memory(1);
  Timer t;
  auto logits = model.prefill(prompt, memory);
  const double t_prefill = t.seconds();
  t.reset();
  auto next = logits.argmax(-1);
  for (int64_t i = 0; i < decode_tokens; ++i) next = model.decode(next, memory).argmax(-1);
  return {prompt.size(1) / t_prefill, decode_tokens / t.seconds()};
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  try {
    if (argc < 2) {
      std::cerr << "usage: compress_bench <compressed dir> [prompt=256] [decode=64] [repeats=3]\n";
      return 2;
    }
    const std::string dir = argv[1];
    const int64_t prompt_tokens = argc > 2 ? std::stoll(argv[2]) : 256;
    const int64_t decode_tokens = argc > 3 ? std::stoll(argv[3]) : 64;
    const int repeats = argc > 4 ? std::stoi(argv[4]) : 3;
    const int threads = configure_threads();
    compress::CompressedManifest manifest;
    auto compressed = compress::load_llama_or_compressed(dir, {}, &manifest);
    SUBQ_CHECK(!manifest.base_model.empty(), "{}: not a compressed checkpoint directory", dir);
    auto original = models::load_llama(manifest.base_model);
    c10::InferenceMode inference;
    torch::manual_seed(0);
    auto prompt = torch::randint(compressed.config().vocab_size, {1, prompt_tokens}, torch::kInt64);
    // Alternate the two models (after one warm-up round each) so that load from other
    // processes on a shared machine hits both alike; report medians.
    std::vector<double> pa, da, pb, db;
    for (int r = 0; r <= repeats; ++r) {
      auto sa = measure_once(*original.model, prompt, decode_tokens);
      auto sb = measure_once(*compressed.model, prompt, decode_tokens);
      if (r == 0) continue;
      pa.push_back(sa.prefill_tps), da.push_back(sa.decode_tps);
      pb.push_back(sb.prefill_tps), db.push_back(sb.decode_tps);
    }
    const Speed a{median(pa), median(da)}, b{median(pb), median(db)};
    fmt::print("threads {}, prompt {} tokens, decode {} tokens, median of {}\n", threads,
               prompt_tokens, decode_tokens, repeats);
    fmt::print("original   ({:>11} params): prefill {:8.1f} tok/s  decode {:7.2f} tok/s\n",
               original.model->parameter_count(), a.prefill_tps, a.decode_tps);
    fmt::print("compressed ({:>11} params): prefill {:8.1f} tok/s  decode {:7.2f} tok/s\n",
               compressed.model->parameter_count(), b.prefill_tps, b.decode_tps);
    fmt::print("speed-up: prefill {:.2f}x  decode {:.2f}x  ({} at {:.0f}% of the chosen layers)\n",
               b.prefill_tps / a.prefill_tps, b.decode_tps / a.decode_tps, manifest.method,
               100 * manifest.target_reduction);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "compress_bench: " << e.what() << "\n";
    return 1;
  }
}
