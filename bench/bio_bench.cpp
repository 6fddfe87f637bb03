// Lyra vs the Transformer baseline (docs/bio.md "Speed"):
//  1. inference throughput (sequences/s) at length 265 (GB1), batch 64;
//  2. forward time of one sequence at 1K..64K positions, showing Lyra's O(L log L) growth
//     against attention's O(L^2). The Transformer is stopped before its attention scores
//     would exceed --max-attention-gib (memory guard; the machine is shared) or when one
//     forward pass took longer than --max-seconds.
// Usage: bio_bench [--threads N] [--max-attention-gib G] [--max-seconds S] [--max-length L]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "subq/models/lyra/bio_model_factory.h"
#include "subq/models/lyra/transformer_baseline.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

namespace {

// Median-free simple timing: one warm-up, then repeats until `min_seconds` have passed.
double seconds_per_call(const std::function<void()>& fn, double min_seconds, int max_repeats) {
  fn();
  subq::Timer timer;
  int n = 0;
  while (n < max_repeats && (n == 0 || timer.seconds() < min_seconds)) {
    fn();
    ++n;
  }
  return timer.seconds() / n;
}

torch::Tensor random_one_hot(int64_t batch, int64_t length, int64_t channels) {
  auto idx = torch::randint(channels, {batch, length}, torch::kLong);
  return torch::one_hot(idx, channels).to(torch::kFloat);
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  int threads = 0;
  double max_gib = 4.0, max_seconds = 60.0;
  int64_t max_length = 65536;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--max-attention-gib") max_gib = std::atof(argv[i + 1]);
    else if (a == "--max-seconds") max_seconds = std::atof(argv[i + 1]);
    else if (a == "--max-length") max_length = std::atoll(argv[i + 1]);
    else { std::fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  const int used_threads = subq::configure_threads(threads);
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  auto lyra = subq::models::make_bio_model("lyra", 20, 1);
  auto transformer = subq::models::make_bio_model("transformer", 20, 1);
  lyra->eval();
  transformer->eval();
  std::printf("threads %d; lyra %lld params, transformer %lld params\n", used_threads,
              static_cast<long long>(lyra->parameter_count()), static_cast<long long>(transformer->parameter_count()));

  // 1. Throughput at GB1 length.
  const auto batch = random_one_hot(64, 265, 20);
  const double lyra_s = seconds_per_call([&] { lyra->forward(batch); }, 3.0, 50);
  const double tf_s = seconds_per_call([&] { transformer->forward(batch); }, 3.0, 50);
  std::printf("\nlength 265, batch 64: lyra %.1f seq/s, transformer %.1f seq/s, lyra/transformer %.2fx\n",
              64 / lyra_s, 64 / tf_s, tf_s / lyra_s);

  // 2. Scaling with length, batch 1.
  const auto& tcfg = dynamic_cast<subq::models::TransformerBaseline&>(*transformer).config;
  std::printf("\n%8s %12s %12s %10s %12s %12s\n", "length", "lyra_ms", "transf_ms", "tf/lyra", "lyra_growth", "tf_growth");
  double prev_lyra = 0, prev_tf = 0;
  bool transformer_alive = true;
  std::string stop_reason;
  for (int64_t L = 1024; L <= max_length; L *= 2) {
    const auto x = random_one_hot(1, L, 20);
    const double l_ms = 1e3 * seconds_per_call([&] { lyra->forward(x); }, 1.0, 5);
    double t_ms = -1;
    if (transformer_alive) {
      // Softmax attention holds heads x L x L scores, about three copies at its peak.
      const double peak_gib = 3.0 * tcfg.heads * double(L) * double(L) * 4.0 / (1ull << 30);
      if (peak_gib > max_gib) {
        transformer_alive = false;
        stop_reason = "attention scores would need ~" + std::to_string(peak_gib) + " GiB at length " + std::to_string(L);
      } else {
        t_ms = 1e3 * seconds_per_call([&] { transformer->forward(x); }, 1.0, 3);
        if (t_ms / 1e3 > max_seconds) {
          transformer_alive = false;
          stop_reason = "one forward pass took " + std::to_string(t_ms / 1e3) + " s at length " + std::to_string(L);
        }
      }
    }
    auto cell = [](double v) { return v < 0 ? std::string("-") : std::to_string(v).substr(0, 10); };
    std::printf("%8lld %12.2f %12s %10s %12s %12s\n", static_cast<long long>(L), l_ms, cell(t_ms).c_str(),
                t_ms < 0 ? "-" : cell(t_ms / l_ms).c_str(), prev_lyra > 0 ? cell(l_ms / prev_lyra).c_str() : "-",
                (t_ms > 0 && prev_tf > 0) ? cell(t_ms / prev_tf).c_str() : "-");
    std::fflush(stdout);
    prev_lyra = l_ms;
    prev_tf = t_ms;
  }
  if (!stop_reason.empty()) std::printf("\ntransformer stopped: %s (memory/time guard)\n", stop_reason.c_str());
  std::printf("growth = time(L) / time(L/2): ~2 for O(L log L), ~4 for O(L^2)\n");
  return 0;
}
