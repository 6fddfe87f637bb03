#include "subq/kernels/hybrid_attention_cpu.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace subq::kernels {
namespace {

// Queries in one chunk of the prefill. Their window keys and the keys that are linear for
// some but not all of them form a band of at most chunk + 2W keys.
constexpr int64_t kChunk = 64;

// phi(x) for head h into out[0..F).
void apply_feature_map(const FeatureMapArgs& map, int64_t head, int64_t d, const float* x,
                       float* out) {
  if (map.kind == FeatureMapKind::kElu) {  // elu(x) + 1
    for (int64_t i = 0; i < d; ++i) out[i] = x[i] > 0.f ? x[i] + 1.f : std::exp(x[i]);
    return;
  }
  const int64_t f = map.feature_dim;
  const float* w = map.weight + head * d * f;
  for (int64_t j = 0; j < f; ++j) out[j] = map.bias ? map.bias[head * f + j] : 0.f;
  for (int64_t i = 0; i < d; ++i) {
    const float xi = x[i];
    const float* row = w + i * f;
    for (int64_t j = 0; j < f; ++j) out[j] += xi * row[j];
  }
  if (map.kind == FeatureMapKind::kT2R) {
    for (int64_t j = 0; j < f; ++j) out[j] = std::max(out[j], 0.f);
    return;
  }
  // Hedgehog: [softmax(u), softmax(-u)], each stabilised by its own max.
  float hi = out[0], lo = out[0];
  for (int64_t j = 1; j < f; ++j) hi = std::max(hi, out[j]), lo = std::min(lo, out[j]);
  float sum_pos = 0.f, sum_neg = 0.f;
  for (int64_t j = 0; j < f; ++j) {
    const float u = out[j];
    out[f + j] = std::exp(lo - u);
    out[j] = std::exp(u - hi);
    sum_pos += out[j];
    sum_neg += out[f + j];
  }
  for (int64_t j = 0; j < f; ++j) {
    out[j] = std::max(out[j] / sum_pos, kFeatureFloor);
    out[f + j] = std::max(out[f + j] / sum_neg, kFeatureFloor);
  }
}

// S += phi v^T, z += phi.
void add_to_linear_state(const float* phi, const float* v, int64_t F, int64_t d, float* S,
                         float* z) {
  for (int64_t f = 0; f < F; ++f) {
    const float p = phi[f];
    float* row = S + f * d;
    for (int64_t i = 0; i < d; ++i) row[i] += p * v[i];
    z[f] += p;
  }
}

float dot(const float* a, const float* b, int64_t n) {
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// Where the keys/values of one (batch row, kv head) live: positions before the call in the
// ring, the new ones in k/v.
struct KeySource {
  const float* ring_k;
  const float* ring_v;
  const float* new_k;
  const float* new_v;
  int64_t first_new, window, d;
  const float* key(int64_t pos) const {
    return pos >= first_new ? new_k + (pos - first_new) * d : ring_k + (pos % window) * d;
  }
  const float* value(int64_t pos) const {
    return pos >= first_new ? new_v + (pos - first_new) * d : ring_v + (pos % window) * d;
  }
};

KeySource key_source(const HybridCallArgs& a, int64_t b, int64_t g) {
  const auto& D = a.dims;
  const int64_t d = D.head_dim, W = D.window;
  const int64_t ring = (b * D.kv_heads + g) * W * d;
  const int64_t fresh = (b * D.kv_heads + g) * a.length * d;
  return {a.state.window_k + ring, a.state.window_v + ring, a.k + fresh, a.v + fresh,
          a.state.position, W, d};
}

// One query's output: linear state, explicit linear keys (given with their features) and
// softmax window keys [window_lo, window_hi], mixed as in the LoLCATs formula.
struct QueryTerms {
  const float* q;
  const float* phi_q;
  const float* S;
  const float* z;
  const float* linear_phi;  // (n_linear, F) features of keys [linear_lo, linear_lo + n)
  int64_t linear_lo, n_linear;
  int64_t window_lo, window_hi;  // inclusive; empty when lo > hi
  float gate;
};

void attend_query(const QueryTerms& t, const KeySource& keys, int64_t F, int64_t d,
                  float* scores, float* out) {
  for (int64_t i = 0; i < d; ++i) out[i] = 0.f;
  float den = dot(t.phi_q, t.z, F);
  for (int64_t f = 0; f < F; ++f) axpy(t.phi_q[f], t.S + f * d, out, d);
  for (int64_t n = 0; n < t.n_linear; ++n) {
    const float b = dot(t.phi_q, t.linear_phi + n * F, F);
    axpy(b, keys.value(t.linear_lo + n), out, d);
    den += b;
  }
  if (t.window_lo <= t.window_hi) {
    const float scale = 1.f / std::sqrt(static_cast<float>(d));
    const int64_t n_win = t.window_hi - t.window_lo + 1;
    float c = -INFINITY;
    for (int64_t n = 0; n < n_win; ++n) {
      scores[n] = dot(t.q, keys.key(t.window_lo + n), d) * scale;
      c = std::max(c, scores[n]);
    }
    for (int64_t n = 0; n < n_win; ++n) {
      const float a = t.gate * std::exp(scores[n] - c);
      axpy(a, keys.value(t.window_lo + n), out, d);
      den += a;
    }
  }
  const float inv = 1.f / std::max(den, kDenominatorFloor);
  for (int64_t i = 0; i < d; ++i) out[i] *= inv;
}

// Copies the new keys/values that stay in the window into the ring (after all heads that
// share a kv head have read the old ring).
void update_ring(const HybridCallArgs& a) {
  const auto& D = a.dims;
  const int64_t W = D.window, d = D.head_dim, P = a.state.position, L = a.length;
  if (W == 0) return;
  for (int64_t b = 0; b < D.batch; ++b)
    for (int64_t g = 0; g < D.kv_heads; ++g) {
      const KeySource src = key_source(a, b, g);
      float* ring_k = a.state.window_k + (b * D.kv_heads + g) * W * d;
      float* ring_v = a.state.window_v + (b * D.kv_heads + g) * W * d;
      for (int64_t pos = std::max(P, P + L - W); pos < P + L; ++pos) {
        std::copy(src.key(pos), src.key(pos) + d, ring_k + (pos % W) * d);
        std::copy(src.value(pos), src.value(pos) + d, ring_v + (pos % W) * d);
      }
    }
}

struct HeadState {
  float* S;
  float* z;
};

HeadState head_state(const HybridCallArgs& a, int64_t b, int64_t h) {
  const auto& D = a.dims;
  const int64_t F = a.phi_k.out_dim, bh = b * D.heads + h;
  return {a.state.S + bh * F * D.head_dim, a.state.z + bh * F};
}

// Moves keys [from, to) into the linear state of head h.
void absorb_keys(const HybridCallArgs& a, const KeySource& keys, int64_t h, HeadState st,
                 int64_t from, int64_t to, float* phi) {
  const int64_t d = a.dims.head_dim, F = a.phi_k.out_dim;
  for (int64_t pos = from; pos < to; ++pos) {
    apply_feature_map(a.phi_k, h, d, keys.key(pos), phi);
    add_to_linear_state(phi, keys.value(pos), F, d, st.S, st.z);
  }
}

void prefill_head(const HybridCallArgs& a, int64_t b, int64_t h) {
  const auto& D = a.dims;
  const int64_t d = D.head_dim, W = D.window, F = a.phi_k.out_dim, P = a.state.position;
  const int64_t end = P + a.length;
  const KeySource keys = key_source(a, b, h / (D.heads / D.kv_heads));
  const HeadState st = head_state(a, b, h);
  const float gate = W > 0 ? a.gate[h] : 0.f;
  std::vector<float> band_phi((kChunk + 2 * W + 1) * F), phi_q(F), scores(2 * W + 1);
  int64_t absorbed = std::max<int64_t>(0, P - W);  // keys < absorbed are in S
  for (int64_t s = P; s < end; s += kChunk) {
    const int64_t e = std::min(s + kChunk, end);
    const int64_t lo = window_start(s, W, D.window_kind);  // linear for every query here
    absorb_keys(a, keys, h, st, absorbed, lo, band_phi.data());
    absorbed = std::max(absorbed, lo);
    // Keys [lo, linear_hi) are linear for the later queries of the chunk only.
    const int64_t linear_hi = window_start(e - 1, W, D.window_kind);
    for (int64_t pos = lo; pos < linear_hi; ++pos)
      apply_feature_map(a.phi_k, h, d, keys.key(pos), band_phi.data() + (pos - lo) * F);
    for (int64_t i = s; i < e; ++i) {
      const int64_t bhl = (b * D.heads + h) * a.length + (i - P);
      const float* q = a.q + bhl * d;
      apply_feature_map(a.phi_q, h, d, q, phi_q.data());
      const int64_t ws = window_start(i, W, D.window_kind);
      // With W == 0, ws == i + 1 and the window [ws, i] is empty.
      const QueryTerms t{q, phi_q.data(), st.S, st.z, band_phi.data(), lo, ws - lo, ws, i, gate};
      attend_query(t, keys, F, d, scores.data(), a.out + bhl * d);
    }
  }
  // Leave the state as decode expects it: S holds every key older than the last W.
  absorb_keys(a, keys, h, st, absorbed, std::max<int64_t>(0, end - W), band_phi.data());
}

void decode_head(const HybridCallArgs& a, int64_t b, int64_t h) {
  const auto& D = a.dims;
  const int64_t d = D.head_dim, W = D.window, F = a.phi_k.out_dim, p = a.state.position;
  const KeySource keys = key_source(a, b, h / (D.heads / D.kv_heads));
  const HeadState st = head_state(a, b, h);
  std::vector<float> phi(std::max(F, a.phi_q.out_dim)), phi_q(F), scores(W + 1);
  // The key at p - W leaves the window now (with W == 0 the new key itself is linear).
  const int64_t leaving = p - W;
  if (leaving >= 0) absorb_keys(a, keys, h, st, leaving, leaving + 1, phi.data());
  const int64_t bh = b * D.heads + h;
  apply_feature_map(a.phi_q, h, d, a.q + bh * d, phi_q.data());
  const int64_t ws = window_start(p, W, WindowKind::kSliding);
  const QueryTerms t{a.q + bh * d, phi_q.data(), st.S, st.z, nullptr, ws, 0, ws, p,
                     W > 0 ? a.gate[h] : 0.f};
  attend_query(t, keys, F, d, scores.data(), a.out + bh * d);
}

template <typename PerHead>
void for_each_head(const HybridCallArgs& a, PerHead per_head) {
  const int64_t tasks = a.dims.batch * a.dims.heads;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t t = 0; t < tasks; ++t) per_head(a, t / a.dims.heads, t % a.dims.heads);
}

}  // namespace

void hybrid_prefill_cpu(const HybridCallArgs& args) {
  for_each_head(args, prefill_head);
  update_ring(args);
}

void hybrid_decode_cpu(const HybridCallArgs& args) {
  for_each_head(args, decode_head);
  update_ring(args);
}

}  // namespace subq::kernels
