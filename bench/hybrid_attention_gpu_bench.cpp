// Hybrid (LoLCATs) attention vs softmax attention on a CUDA device, attention operators only,
// at SmolLM2-135M shapes (9 heads, 3 kv heads, head dim 64, 30 layers, hedgehog f=64, window
// 64). Per context length L it prints
//   prefill of L tokens through one layer: softmax via LibTorch's fused scaled-dot-product
//     attention (flash/memory-efficient kernels on 2.x), hybrid via subq's fused CUDA kernel
//     (forward_chunked), and hybrid's quadratic training form where it fits;
//   decode: tokens/s through all 30 layers at position L, softmax with a preallocated KV cache
//     vs hybrid's fixed-size state, and each kind's per-sequence state bytes;
//   peak CUDA memory of each prefill (caching allocator's high-water mark above the live bytes).
// Before timing, the GPU kernels are checked against the CPU kernels on a small case.
// Built with any LibTorch; without CUDA it says so and exits 0 (CI compiles it, a GPU runs it).
// Usage: hybrid_attention_gpu_bench [--lengths 512,2048,...] [--steps N] [--batch B]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#ifdef SUBQ_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "subq/nn/attention_hybrid.h"
#include "subq/util/compat.h"

using namespace subq;

namespace {

struct Options {
  std::vector<int64_t> lengths{512, 2048, 8192, 32768};
  int64_t steps = 32;  // decode steps per timed run
  int64_t batch = 1;
  int64_t quadratic_max = 8192;  // the quadratic form allocates (L x L) per head
};

const nn::AttentionShape kShape{9, 3, 64};
constexpr int64_t kLayers = 30, kFeatureDim = 64;

#ifdef SUBQ_WITH_CUDA
const torch::Device kCuda(torch::kCUDA, 0);

// Wall time of fn() on the GPU: synchronize, run, synchronize; best of `reps`.
template <class F>
double gpu_seconds(F&& fn, int reps = 3) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    torch::cuda::synchronize();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

namespace alloc = c10::cuda::CUDACachingAllocator;
// Index 0 of the per-kind stats is StatType::AGGREGATE in every LibTorch 2.x (the enum itself
// moved between namespaces across versions).
int64_t allocated_now() { return alloc::getDeviceStats(0).allocated_bytes[0].current; }
int64_t allocated_peak() { return alloc::getDeviceStats(0).allocated_bytes[0].peak; }
// Peak MiB that fn() allocated above what was live before it.
template <class F>
double peak_mib(F&& fn) {
  torch::cuda::synchronize();
  alloc::resetPeakStats(0);
  const int64_t before = allocated_now();
  fn();
  torch::cuda::synchronize();
  return (allocated_peak() - before) / 1048576.0;
}

struct Qkv {
  torch::Tensor q, k, v;
};
Qkv random_qkv(int64_t B, int64_t L, torch::Device device) {
  const auto o = torch::TensorOptions().device(device);
  return {torch::randn({B, kShape.n_heads, L, kShape.head_dim}, o),
          torch::randn({B, kShape.n_kv_heads, L, kShape.head_dim}, o),
          torch::randn({B, kShape.n_kv_heads, L, kShape.head_dim}, o)};
}

// Softmax decode against a preallocated cache, all layers sharing one cache's contents (the
// arithmetic and memory traffic per layer are what a real model does).
struct SoftmaxCache {
  torch::Tensor k, v;  // (B, Hkv, capacity, d)
  int64_t used = 0;
};
// Two softmax decode steps, the faster one is the baseline: LibTorch's fused SDPA on
// repeated kv heads, and a grouped matmul where a kv head's query heads are rows of one
// product (no repetition, no mask for a single query).
torch::Tensor softmax_decode_sdpa(SoftmaxCache& c, const Qkv& token) {
  c.k.narrow(2, c.used, 1).copy_(token.k);
  c.v.narrow(2, c.used, 1).copy_(token.v);
  const int64_t groups = kShape.n_heads / kShape.n_kv_heads, n = c.used + 1;
  return compat::scaled_dot_product_attention(token.q, nn::repeat_kv(c.k.narrow(2, 0, n), groups),
                                              nn::repeat_kv(c.v.narrow(2, 0, n), groups),
                                              c10::nullopt, false);
}
torch::Tensor softmax_decode_grouped(SoftmaxCache& c, const Qkv& token) {
  c.k.narrow(2, c.used, 1).copy_(token.k);
  c.v.narrow(2, c.used, 1).copy_(token.v);
  const int64_t B = token.q.size(0), Hkv = kShape.n_kv_heads, d = kShape.head_dim;
  const int64_t groups = kShape.n_heads / Hkv, n = c.used + 1;
  const auto scores = torch::matmul(token.q.reshape({B, Hkv, groups, d}),
                                    c.k.narrow(2, 0, n).transpose(-2, -1)) / std::sqrt(double(d));
  return torch::matmul(torch::softmax(scores, -1), c.v.narrow(2, 0, n))
      .view({B, kShape.n_heads, 1, d});
}

// The CUDA kernels against the CPU kernels (prefill 200 tokens, then 5 decode steps).
bool gpu_matches_cpu(nn::HybridAttention& gpu) {
  nn::AttentionConfig config = gpu.config();
  nn::HybridAttention cpu(kShape, config);
  for (size_t i = 0; i < cpu.parameters().size(); ++i)
    cpu.parameters()[i].copy_(gpu.parameters()[i].cpu());
  const auto in = random_qkv(2, 205, torch::kCPU);
  auto cs = cpu.make_state(2, torch::kCPU), gs = gpu.make_state(2, kCuda);
  double err = 0;
  for (int64_t at = 0; at < 205; at += at < 200 ? 200 : 1) {
    const int64_t n = at < 200 ? 200 : 1;
    const auto q = in.q.narrow(2, at, n), k = in.k.narrow(2, at, n), v = in.v.narrow(2, at, n);
    const auto want = cpu.forward(q, k, v, cs.get());
    const auto got = gpu.forward(q.to(kCuda), k.to(kCuda), v.to(kCuda), gs.get()).cpu();
    err = std::max(err, (want - got).abs().max().item<double>());
  }
  std::printf("check: CUDA vs CPU fused kernels, max |difference| %.3g\n", err);
  return err < 1e-4;
}

int run(const Options& opt) {
  if (!torch::cuda::is_available()) {
    std::printf("no CUDA device visible: nothing to measure\n");
    return 0;
  }
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  nn::AttentionConfig config;
  config.kind = "hybrid";
  config.feature_dim = kFeatureDim;
  nn::HybridAttention hybrid(kShape, config);
  for (auto& p : hybrid.parameters()) p.add_(torch::randn_like(p) * 0.1);  // not the identity init
  hybrid.to(kCuda);
  if (!gpu_matches_cpu(hybrid)) {
    std::fprintf(stderr, "CUDA kernels disagree with the CPU kernels\n");
    return 1;
  }
  const int64_t B = opt.batch, groups = kShape.n_heads / kShape.n_kv_heads;
  std::printf("\nSmolLM2-135M attention shapes, batch %ld, %ld layers for decode, hybrid sw-64, "
              "hedgehog f=%ld\n", long(B), long(kLayers), long(kFeatureDim));
  std::printf("%6s | %9s %10s %7s %9s | %9s %8s | %9s %9s %9s %8s | %8s %9s\n", "L",
              "sdpa ms", "hybrid ms", "ratio", "quad ms", "sdpa MiB", "hyb MiB", "sdpa t/s",
              "group t/s", "hy t/s", "speedup", "KV MiB", "state MiB");
  for (int64_t L : opt.lengths) {
    const auto in = random_qkv(B, L, kCuda);
    const auto sdpa = [&] {
      compat::scaled_dot_product_attention(in.q, nn::repeat_kv(in.k, groups),
                                           nn::repeat_kv(in.v, groups), c10::nullopt, true);
    };
    const auto chunked = [&] {
      nn::HybridAttentionState s(B, kShape, hybrid.window(), hybrid.feature_map_k->out_dim(), kCuda);
      hybrid.forward_chunked(in.q, in.k, in.v, s);
    };
    sdpa(), chunked();  // warm-up (kernel selection, allocator)
    const double sdpa_s = gpu_seconds(sdpa), hybrid_s = gpu_seconds(chunked);
    double quad_s = NAN;
    if (L <= opt.quadratic_max) {
      hybrid.forward_quadratic(in.q, in.k, in.v);
      quad_s = gpu_seconds([&] { hybrid.forward_quadratic(in.q, in.k, in.v); });
    }
    const double sdpa_mib = peak_mib(sdpa), hybrid_mib = peak_mib(chunked);

    // Decode at position L: softmax cache holding L tokens, hybrid state after prefilling L.
    const auto token = random_qkv(B, 1, kCuda);
    SoftmaxCache cache{torch::zeros({B, kShape.n_kv_heads, L + 8 * opt.steps + 1, kShape.head_dim},
                                    torch::TensorOptions().device(kCuda)),
                       {}, L};
    cache.v = torch::zeros_like(cache.k);
    cache.k.narrow(2, 0, L).copy_(in.k), cache.v.narrow(2, 0, L).copy_(in.v);
    std::vector<std::unique_ptr<nn::AttentionState>> states;
    for (int64_t layer = 0; layer < kLayers; ++layer) {
      states.push_back(hybrid.make_state(B, kCuda));
      auto& s = static_cast<nn::HybridAttentionState&>(*states.back());
      if (layer == 0) hybrid.forward_chunked(in.q, in.k, in.v, s);
      else {
        auto& first = static_cast<nn::HybridAttentionState&>(*states.front());
        s.window_k.copy_(first.window_k), s.window_v.copy_(first.window_v);
        s.S.copy_(first.S), s.z.copy_(first.z), s.advance(first.position());
      }
    }
    const auto decode_softmax = [&](auto step) {
      return [&, step] {
        for (int64_t t = 0; t < opt.steps; ++t) {
          for (int64_t layer = 0; layer < kLayers; ++layer) step(cache, token);
          cache.used += 1;
        }
      };
    };
    const auto decode_hybrid = [&] {
      for (int64_t t = 0; t < opt.steps; ++t)
        for (auto& s : states) hybrid.forward(token.q, token.k, token.v, s.get());
    };
    // Check the two baselines agree before timing them.
    const auto a = softmax_decode_sdpa(cache, token), b = softmax_decode_grouped(cache, token);
    if ((a - b).abs().max().item<double>() > 1e-4) {
      std::fprintf(stderr, "softmax decode baselines disagree\n");
      return 1;
    }
    const double sdpa_tps = opt.steps / gpu_seconds(decode_softmax(softmax_decode_sdpa));
    const double grouped_tps = opt.steps / gpu_seconds(decode_softmax(softmax_decode_grouped));
    const double sm_tps = std::max(sdpa_tps, grouped_tps);
    const double hy_tps = opt.steps / gpu_seconds(decode_hybrid);
    const double kv_mib = 2.0 * kLayers * B * kShape.n_kv_heads * L * kShape.head_dim * 4 / 1048576.0;
    double state_mib = 0;
    for (const auto& s : states) state_mib += s->bytes() / 1048576.0;
    std::printf("%6ld | %9.2f %10.2f %6.2fx %9.2f | %9.1f %8.1f | %9.1f %9.1f %9.1f %7.2fx | %8.1f %9.2f\n",
                long(L), sdpa_s * 1e3, hybrid_s * 1e3, sdpa_s / hybrid_s, quad_s * 1e3, sdpa_mib,
                hybrid_mib, sdpa_tps, grouped_tps, hy_tps, hy_tps / sm_tps, kv_mib, state_mib);
    std::fflush(stdout);
  }
  return 0;
}
#else
int run(const Options&) {
  std::printf("built without a CUDA LibTorch: nothing to measure\n");
  return 0;
}
#endif

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--lengths") opt.lengths = parse_list(value);
    else if (flag == "--steps") opt.steps = std::stoll(value);
    else if (flag == "--batch") opt.batch = std::stoll(value);
    else if (flag == "--quadratic-max") opt.quadratic_max = std::stoll(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  return run(opt);
}
