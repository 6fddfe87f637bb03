// Llama prefill and decode speed at several context lengths, set against this machine's
// sgemm rate measured in the same run: "forward GFLOPS / sgemm GFLOPS" says how close the
// model's forward pass gets to the hardware (all weights float32 after dequantization).
//
// usage: llama_bench [--model PATH]... [--contexts 128,256,...] [--decode-steps N] [--threads N]
// Default models: ../shared/models/stories260K/stories260K.gguf and $SUBQ_DEFAULT_MODEL.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "subq/models/llama/llama_loader.h"
#include "subq/util/error.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

using namespace subq;
using namespace subq::models;

namespace {

// Best of `repeats` timings of fn (seconds).
template <typename Fn>
double best_seconds(int repeats, Fn&& fn) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    Timer t;
    fn();
    best = std::min(best, t.seconds());
  }
  return best;
}

double sgemm_gflops(int64_t m, int64_t k, int64_t n) {
  auto a = torch::randn({m, k}), b = torch::randn({k, n});
  auto c = torch::matmul(a, b);  // warm-up
  const int repeats = m * k * n >= (1 << 28) ? 3 : 20;
  const double s = best_seconds(repeats, [&] { c = torch::matmul(a, b); });
  return 2.0 * m * k * n / s / 1e9;
}

// Multiply-adds x2 of the projections for one token (embedding lookups are free).
double linear_flops_per_token(const LlamaConfig& c) {
  const double attn = c.dim * (c.n_heads * c.head_dim) * 2.0 + c.dim * c.kv_dim() * 2.0;
  const double mlp = 3.0 * c.dim * c.hidden_dim;
  return 2.0 * c.n_layers * (attn + mlp);
}

// q k^T and p v for one query over `keys` positions, all layers.
double attention_flops(const LlamaConfig& c, double keys) {
  return c.n_layers * 2.0 * 2.0 * c.n_heads * c.head_dim * keys;
}

void bench_model(const std::filesystem::path& path, const std::vector<int64_t>& contexts, int64_t decode_steps,
                 double peak_gflops) {
  LlamaLoadOptions load;
  load.need_tokenizer = false;
  auto m = load_llama(path, load);
  const auto& c = m.config();
  const double vocab_flops = 2.0 * c.dim * c.vocab_size;
  fmt::print("\n{}: {:.2f} M parameters, dim {}, {} layers\n", path.filename().string(),
             m.model->parameter_count() / 1e6, c.dim, c.n_layers);
  fmt::print("{:>6} {:>12} {:>10} {:>8} {:>12} {:>10} {:>8}\n", "ctx", "prefill t/s", "GFLOPS", "%sgemm",
             "decode t/s", "GFLOPS", "%sgemm");
  c10::InferenceMode inference;
  torch::manual_seed(0);
  for (const auto ctx : contexts) {
    auto tokens = torch::randint(c.vocab_size, {1, ctx + decode_steps}, torch::kLong);
    auto memory = m.model->new_memory(1);
    Timer t;
    m.model->prefill(tokens.narrow(1, 0, ctx), memory);
    const double prefill_s = t.seconds();
    t.reset();
    for (int64_t i = 0; i < decode_steps; ++i) m.model->decode(tokens.select(1, ctx + i), memory);
    const double decode_s = t.seconds();
    const double chunks = std::ceil(ctx / 512.0);
    const double prefill_flops =
        ctx * linear_flops_per_token(c) + attention_flops(c, ctx * (ctx + 1) / 2.0) + chunks * vocab_flops;
    const double decode_flops =
        decode_steps * (linear_flops_per_token(c) + vocab_flops) + attention_flops(c, decode_steps * (ctx + decode_steps / 2.0));
    const double pg = prefill_flops / prefill_s / 1e9, dg = decode_flops / decode_s / 1e9;
    fmt::print("{:>6} {:>12.1f} {:>10.2f} {:>7.1f}% {:>12.1f} {:>10.2f} {:>7.1f}%\n", ctx, ctx / prefill_s, pg,
               100 * pg / peak_gflops, decode_steps / decode_s, dg, 100 * dg / peak_gflops);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  CLI::App app{"Llama prefill/decode speed vs this machine's sgemm"};
  std::vector<std::string> models;
  std::vector<int64_t> contexts = {128, 256, 512, 1024, 2048, 4096};
  int64_t decode_steps = 32;
  int threads = 0;
  app.add_option("--model", models, "model files (default: stories260K and $SUBQ_DEFAULT_MODEL)");
  app.add_option("--contexts", contexts, "context lengths")->delimiter(',');
  app.add_option("--decode-steps", decode_steps, "decode steps timed after each prefill");
  app.add_option("--threads", threads, "LibTorch threads");
  CLI11_PARSE(app, argc, argv);
  const int used = configure_threads(threads);
  if (models.empty()) {
    const auto root = std::filesystem::path(__FILE__).parent_path() / "../../shared/models/stories260K/stories260K.gguf";
    if (std::filesystem::exists(root)) models.push_back(root.lexically_normal().string());
    if (const char* env = std::getenv("SUBQ_DEFAULT_MODEL")) models.push_back(env);
  }
  fmt::print("threads {}\n", used);
  const double big = sgemm_gflops(1024, 1024, 1024);
  fmt::print("sgemm 1024x1024x1024: {:.1f} GFLOPS (the reference below)\n", big);
  for (int64_t L : {1, 128, 512, 2048})
    fmt::print("sgemm {}x576x576: {:.1f} GFLOPS\n", L, sgemm_gflops(L, 576, 576));
  try {
    for (const auto& m : models) bench_model(m, contexts, decode_steps, big);
  } catch (const subq::Error& e) {
    std::cerr << "llama_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
