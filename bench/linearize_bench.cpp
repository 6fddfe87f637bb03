// Decode speed and memory of a base model vs its linearized version at a long context:
// prefill CONTEXT tokens, then time DECODE single-token steps. Prints both rows and the
// ratio (measured in the same run).
// Usage: linearize_bench --model BASE --linear DIR [--context 2048] [--decode 64] [--threads N]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/util/error.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

namespace {
struct DecodeTiming {
  double prefill_s = 0, decode_tokens_per_s = 0;
  int64_t memory_bytes = 0;
};

DecodeTiming time_decode(subq::models::LlamaModelImpl& model, int64_t context, int64_t decode) {
  torch::NoGradGuard no_grad;
  auto memory = model.new_memory(1);
  auto gen = torch::make_generator<at::CPUGeneratorImpl>(0);
  auto prompt = torch::randint(3, model.config().vocab_size, {1, context}, gen);
  subq::Timer t;
  auto logits = model.prefill(prompt, memory);
  DecodeTiming out;
  out.prefill_s = t.seconds();
  t.reset();
  for (int64_t i = 0; i < decode; ++i) logits = model.decode(logits.argmax(-1), memory);
  out.decode_tokens_per_s = decode / t.seconds();
  out.memory_bytes = memory.bytes();
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  CLI::App app{"decode speed: base vs linearized"};
  std::string model, linear;
  int64_t context = 2048, decode = 64;
  int threads = 0;
  app.add_option("--model", model)->required();
  app.add_option("--linear", linear)->required();
  app.add_option("--context", context)->capture_default_str();
  app.add_option("--decode", decode)->capture_default_str();
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  try {
    subq::configure_threads(threads);
    auto base = subq::models::load_llama(model);
    auto lin = subq::models::load_llama(model);
    subq::transforms::apply_linearized(linear, lin);
    // Hybrid decoding needs no context limit; the base model is run past its trained
    // context only for timing.
    const auto b = time_decode(*base.model, context, decode);
    const auto l = time_decode(*lin.model, context, decode);
    fmt::print("context {} tokens, {} decode steps, {} threads\n", context, decode, subq::configure_threads(threads));
    fmt::print("{:<12} {:>12} {:>14} {:>14}\n", "model", "prefill s", "decode tok/s", "memory MiB");
    for (auto [name, r] : {std::pair{"base", b}, {"linearized", l}})
      fmt::print("{:<12} {:>12.2f} {:>14.1f} {:>14.2f}\n", name, r.prefill_s, r.decode_tokens_per_s,
                 r.memory_bytes / 1048576.0);
    fmt::print("decode speed-up {:.2f}x, memory ratio {:.3f}\n", l.decode_tokens_per_s / b.decode_tokens_per_s,
               double(l.memory_bytes) / b.memory_bytes);
  } catch (const subq::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
