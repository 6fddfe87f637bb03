// Hybrid (LoLCATs) attention vs softmax attention with a KV cache, attention operators only
// (one operator per layer, n_layers of them, random RoPE'd q/k/v), at SmolLM2-135M and
// stories260K shapes. Prints, per context length L:
//   decode: tokens/s through all layers with the state at position L, state bytes;
//   prefill of L tokens through one layer, in llama.cpp-style 512-token ubatches for both
//   kinds (and, for hybrid, also in one call), time and peak memory.
// Peak memory = tensor allocation high-water mark above what was live before the prefill,
// counted by a c10 memory reporter on the CPU allocator (the mechanism the PyTorch profiler
// uses), cross-checked with the kernel's peak-RSS counter (VmHWM, reset via clear_refs).
// Usage: hybrid_attention_bench [--threads N] [--lengths 512,2048,...] [--steps N]
//          [--prefill-reps N] [--shape smollm2-135m|stories260k] [--kind softmax|hybrid]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>
#include <torch/torch.h>

#include "subq/nn/attention_hybrid.h"
#include "subq/util/compat.h"
#include "subq/util/runtime.h"

using namespace subq;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Live bytes and their high-water mark for CPU tensors allocated on this thread while the
// tracker is installed.
class AllocationTracker : public c10::MemoryReportingInfoBase {
 public:
  void reportMemoryUsage(void*, int64_t alloc_size, int64_t, int64_t, c10::Device) override {
    live_ += alloc_size;
    peak_ = std::max(peak_, live_);
  }
  bool memoryProfilingEnabled() const override { return true; }
  int64_t peak() const { return peak_; }

 private:
  int64_t live_ = 0, peak_ = 0;
};

// Kernel peak-RSS counter (VmHWM) in bytes; reset_peak_rss() makes it restart from now.
int64_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}
bool reset_peak_rss() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }

// Softmax attention with a preallocated KV cache (no per-token re-allocation, GQA without
// repeating k/v): the strongest plain-LibTorch baseline for decode.
class KVCache : public nn::AttentionState {
 public:
  KVCache(int64_t batch, const nn::AttentionShape& s, int64_t capacity)
      : k(torch::zeros({batch, s.n_kv_heads, capacity, s.head_dim})), v(torch::zeros_like(k)) {}
  int64_t position() const override { return used; }
  std::vector<torch::Tensor> tensors() const override {
    return {k.narrow(2, 0, used), v.narrow(2, 0, used)};  // the bytes that hold tokens
  }
  torch::Tensor k, v;
  int64_t used = 0;
};

class SoftmaxWithCache : public nn::AttentionKind {
 public:
  SoftmaxWithCache(nn::AttentionShape s, int64_t capacity) : AttentionKind(s), capacity(capacity) {}
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        nn::AttentionState* state) override {
    auto& cache = static_cast<KVCache&>(*state);
    const int64_t B = q.size(0), L = q.size(2), d = shape.head_dim, P = cache.used;
    const int64_t Hkv = shape.n_kv_heads, groups = shape.n_heads / Hkv;
    cache.k.narrow(2, P, L).copy_(k);
    cache.v.narrow(2, P, L).copy_(v);
    cache.used += L;
    // The query heads of one kv head are rows of one batched matmul: no k/v repetition.
    const auto keys = cache.k.narrow(2, 0, P + L), values = cache.v.narrow(2, 0, P + L);
    auto scores = torch::matmul(q.reshape({B, Hkv, groups * L, d}), keys.transpose(-2, -1)) /
                  std::sqrt(double(d));
    if (L > 1) {
      const auto i = torch::arange(groups * L).remainder(L).unsqueeze(1) + P;
      scores.masked_fill_(torch::arange(P + L).unsqueeze(0) > i, -INFINITY);
    }
    return torch::matmul(torch::softmax(scores, -1), values).view({B, shape.n_heads, L, d});
  }
  std::unique_ptr<nn::AttentionState> make_state(int64_t batch, torch::Device) const override {
    return std::make_unique<KVCache>(batch, shape, capacity);
  }
  nn::AttentionConfig config() const override { return {}; }
  int64_t capacity;  // tokens the next state can hold
};

struct ModelShape {
  std::string name;
  nn::AttentionShape attn;
  int64_t n_layers, feature_dim;
};

struct Qkv {
  torch::Tensor q, k, v;
};
Qkv random_qkv(const nn::AttentionShape& s, int64_t L) {
  return {torch::randn({1, s.n_heads, L, s.head_dim}), torch::randn({1, s.n_kv_heads, L, s.head_dim}),
          torch::randn({1, s.n_kv_heads, L, s.head_dim})};
}

struct PrefillResult {
  std::unique_ptr<nn::AttentionState> state;
  double seconds = 0;
  double peak_mib = 0, rss_mib = -1;
};

// Prefills L tokens through one layer in `ubatch`-token calls (ubatch <= 0: one call) into a
// fresh state. The state is made inside the measured region, so its memory counts.
PrefillResult prefill(nn::AttentionKind& attn, int64_t L, int64_t ubatch) {
  const int64_t step = ubatch > 0 ? ubatch : L;
  const auto inputs = random_qkv(attn.shape, step);  // reused: time only the attention
  const bool rss_ok = reset_peak_rss();
  const int64_t rss_before = status_kib("VmRSS");
  auto tracker = std::make_shared<AllocationTracker>();
  PrefillResult r;
  {
    c10::DebugInfoGuard guard(c10::DebugInfoKind::PROFILER_STATE, tracker);
    const auto t0 = std::chrono::steady_clock::now();
    r.state = attn.make_state(1, torch::kCPU);
    for (int64_t at = 0; at < L; at += step) {
      const int64_t n = std::min(step, L - at);
      attn.forward(inputs.q.narrow(2, 0, n), inputs.k.narrow(2, 0, n), inputs.v.narrow(2, 0, n),
                   r.state.get());
    }
    r.seconds = seconds_since(t0);
  }
  r.peak_mib = tracker->peak() / 1048576.0;
  if (rss_ok) r.rss_mib = (status_kib("VmHWM") - rss_before) / 1024.0;
  return r;
}

// Decodes `steps` tokens through n_layers layers (one state each); tokens per second.
double decode_tokens_per_second(nn::AttentionKind& attn, const ModelShape& m,
                                const std::vector<std::unique_ptr<nn::AttentionState>>& states,
                                int64_t steps) {
  const auto token = random_qkv(attn.shape, 1);
  const auto decode = [&](int64_t n) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < n; ++s)
      for (int64_t layer = 0; layer < m.n_layers; ++layer)
        attn.forward(token.q, token.k, token.v, states[layer].get());
    return seconds_since(t0);
  };
  decode(1);  // warm-up
  // Best of 3: the machine is shared, the minimum is the least disturbed run.
  double best = decode(steps);
  for (int rep = 0; rep < 2; ++rep) best = std::min(best, decode(steps));
  return steps / best;
}

// n_layers states at position L: layer 0 is prefilled for real, the others copy its tensors.
std::vector<std::unique_ptr<nn::AttentionState>> layer_states(nn::AttentionKind& attn,
                                                              nn::AttentionState& prefilled,
                                                              const ModelShape& m, int64_t L) {
  std::vector<std::unique_ptr<nn::AttentionState>> states;
  for (int64_t layer = 0; layer < m.n_layers; ++layer) {
    auto s = attn.make_state(1, torch::kCPU);
    if (auto* h = dynamic_cast<nn::HybridAttentionState*>(s.get())) {
      auto& p = dynamic_cast<nn::HybridAttentionState&>(prefilled);
      h->window_k.copy_(p.window_k), h->window_v.copy_(p.window_v), h->S.copy_(p.S), h->z.copy_(p.z);
      h->advance(p.position());
    } else {
      auto& c = static_cast<KVCache&>(*s);
      auto& p = static_cast<KVCache&>(prefilled);
      c.k.copy_(p.k), c.v.copy_(p.v), c.used = p.used;
    }
    states.push_back(std::move(s));
  }
  return states;
}

// The baseline must compute softmax attention: prefill in uneven pieces plus decode steps
// against LibTorch's reference on a small case, before anything is timed.
void check_softmax_baseline(const nn::AttentionShape& s) {
  SoftmaxWithCache softmax(s, 100);
  auto state = softmax.make_state(1, torch::kCPU);
  const auto in = random_qkv(s, 70);
  std::vector<torch::Tensor> outs;
  for (auto [from, to] : {std::pair<int64_t, int64_t>{0, 33}, {33, 66}, {66, 67}, {67, 70}})
    outs.push_back(softmax.forward(in.q.slice(2, from, to), in.k.slice(2, from, to),
                                   in.v.slice(2, from, to), state.get()));
  const int64_t groups = s.n_heads / s.n_kv_heads;
  const auto want = compat::scaled_dot_product_attention(
      in.q, nn::repeat_kv(in.k, groups), nn::repeat_kv(in.v, groups), c10::nullopt, true);
  const double err = (torch::cat(outs, 2) - want).abs().max().item<double>();
  if (err > 1e-4) {
    std::fprintf(stderr, "softmax baseline is wrong (max error %g)\n", err);
    std::exit(1);
  }
}

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
  return out;
}

struct Options {
  int threads = 2;
  int64_t steps = 8;       // decode steps per timed run (best of 3 runs)
  int prefill_reps = 1;    // prefill runs per measurement (best time is kept)
  std::vector<int64_t> lengths{512, 2048, 8192, 16384, 32768};
  std::vector<std::string> shapes, kinds{"softmax", "hybrid"};
};

bool wanted(const std::vector<std::string>& list, const std::string& name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

PrefillResult best_prefill(nn::AttentionKind& attn, int64_t L, int64_t ubatch, int reps) {
  auto best = prefill(attn, L, ubatch);
  for (int r = 1; r < reps; ++r) {
    auto again = prefill(attn, L, ubatch);
    if (again.seconds < best.seconds) best.seconds = again.seconds;
  }
  return best;
}

void run_shape(const ModelShape& m, const Options& opt) {
  const int64_t steps = opt.steps;
  nn::AttentionConfig config;
  config.kind = "hybrid";
  config.feature_dim = m.feature_dim;
  nn::HybridAttention hybrid(m.attn, config);
  check_softmax_baseline(m.attn);
  SoftmaxWithCache softmax(m.attn, 0);
  std::printf("\n== %s: %ld heads, %ld kv heads, head dim %ld, %ld layers; hybrid sw-64, "
              "hedgehog f=%ld ==\n", m.name.c_str(), long(m.attn.n_heads), long(m.attn.n_kv_heads),
              long(m.attn.head_dim), long(m.n_layers), long(m.feature_dim));
  std::printf("%7s %-8s | %10s %9s %11s | %11s %10s %9s | %11s %10s\n", "L", "kind", "decode t/s",
              "speedup", "state MiB", "prefill ms", "peak MiB", "RSS MiB", "1-call ms", "1-call MiB");
  for (int64_t L : opt.lengths) {
    double softmax_tps = 0;
    for (nn::AttentionKind* attn : {static_cast<nn::AttentionKind*>(&softmax),
                                    static_cast<nn::AttentionKind*>(&hybrid)}) {
      const bool is_hybrid = attn == &hybrid;
      if (!wanted(opt.kinds, is_hybrid ? "hybrid" : "softmax")) continue;
      softmax.capacity = L + 3 * steps + 1;  // warm-up + three timed runs
      const auto pre = best_prefill(*attn, L, 512, opt.prefill_reps);
      const auto one_call = is_hybrid ? best_prefill(*attn, L, 0, opt.prefill_reps) : PrefillResult{};
      auto states = layer_states(*attn, *pre.state, m, L);
      const double tps = decode_tokens_per_second(*attn, m, states, steps);
      if (!is_hybrid) softmax_tps = tps;
      double state_mib = 0;
      for (const auto& s : states) state_mib += s->bytes() / 1048576.0;
      std::printf("%7ld %-8s | %10.1f %8.2fx %11.2f | %11.1f %10.1f %9.1f | %11s %10s\n", long(L),
                  is_hybrid ? "hybrid" : "softmax", tps, softmax_tps > 0 ? tps / softmax_tps : NAN, state_mib,
                  pre.seconds * 1e3, pre.peak_mib, pre.rss_mib,
                  is_hybrid ? std::to_string(long(one_call.seconds * 1e3)).c_str() : "-",
                  is_hybrid ? std::to_string(long(one_call.peak_mib)).c_str() : "-");
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads") opt.threads = std::stoi(value);
    else if (flag == "--steps") opt.steps = std::stoll(value);
    else if (flag == "--prefill-reps") opt.prefill_reps = std::stoi(value);
    else if (flag == "--lengths") opt.lengths = parse_list(value);
    else if (flag == "--shape") opt.shapes.push_back(value);
    else if (flag == "--kind") opt.kinds = {value};
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  opt.threads = configure_threads(opt.threads);
  torch::NoGradGuard no_grad;
  const std::vector<ModelShape> shapes{{"smollm2-135m", {9, 3, 64}, 30, 64},
                                       {"stories260k", {8, 4, 8}, 5, 16}};
  std::printf("threads %d, decode steps %ld, prefill reps %d\n", opt.threads, long(opt.steps),
              opt.prefill_reps);
  for (const auto& m : shapes)
    if (wanted(opt.shapes, m.name)) run_shape(m, opt);
}
