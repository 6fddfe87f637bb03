// CUDA port of the fused hybrid attention (see hybrid_attention_cpu.cpp for the algorithm).
// One thread block per (batch row, query head) walks its queries in order, absorbing each
// key into S and z the moment it leaves the query's window: prefill is the recurrence run
// over many tokens with the whole window in shared memory reach, so it needs no (L x L)
// matrix and no per-chunk band. Threads split the feature, head and window dimensions.
// Decode is the same kernel with one token and the sliding window.
#include <cuda_runtime.h>

#include "subq/kernels/hybrid_attention_cuda.h"

namespace subq::kernels {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;

// Sum (or max) over the block; every thread gets the result.
__device__ float block_reduce(float value, float* scratch, bool take_max) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other = __shfl_xor_sync(0xffffffffu, value, offset);
    value = take_max ? fmaxf(value, other) : value + other;
  }
  __syncthreads();  // scratch may still be read by a previous reduction
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = value;
  __syncthreads();
  value = scratch[0];
  for (int w = 1; w < kWarps; ++w) value = take_max ? fmaxf(value, scratch[w]) : value + scratch[w];
  return value;
}

// phi(x) for head h into shared out[0..F).
__device__ void feature_map(const FeatureMapArgs& map, int64_t head, int d, const float* x,
                            float* out, float* scratch) {
  if (map.kind == FeatureMapKind::kElu) {
    for (int i = threadIdx.x; i < d; i += kThreads) out[i] = x[i] > 0.f ? x[i] + 1.f : expf(x[i]);
    __syncthreads();
    return;
  }
  const int f = static_cast<int>(map.feature_dim);
  const float* w = map.weight + head * d * f;
  for (int j = threadIdx.x; j < f; j += kThreads) {
    float u = map.bias ? map.bias[head * f + j] : 0.f;
    for (int i = 0; i < d; ++i) u += x[i] * w[i * f + j];
    out[j] = map.kind == FeatureMapKind::kT2R ? fmaxf(u, 0.f) : u;
  }
  __syncthreads();
  if (map.kind == FeatureMapKind::kT2R) return;
  float hi = -INFINITY, neg_lo = -INFINITY;
  for (int j = threadIdx.x; j < f; j += kThreads) hi = fmaxf(hi, out[j]), neg_lo = fmaxf(neg_lo, -out[j]);
  hi = block_reduce(hi, scratch, true);
  const float lo = -block_reduce(neg_lo, scratch, true);
  float sum_pos = 0.f, sum_neg = 0.f;
  for (int j = threadIdx.x; j < f; j += kThreads) {
    const float u = out[j];
    out[f + j] = expf(lo - u);
    out[j] = expf(u - hi);
    sum_pos += out[j];
    sum_neg += out[f + j];
  }
  sum_pos = block_reduce(sum_pos, scratch, false);
  sum_neg = block_reduce(sum_neg, scratch, false);
  for (int j = threadIdx.x; j < f; j += kThreads) {
    out[j] = fmaxf(out[j] / sum_pos, kFeatureFloor);
    out[f + j] = fmaxf(out[f + j] / sum_neg, kFeatureFloor);
  }
  __syncthreads();
}

struct DeviceKeys {
  const float *ring_k, *ring_v, *new_k, *new_v;
  int64_t first_new, window, d;
  __device__ const float* key(int64_t pos) const {
    return pos >= first_new ? new_k + (pos - first_new) * d : ring_k + (pos % window) * d;
  }
  __device__ const float* value(int64_t pos) const {
    return pos >= first_new ? new_v + (pos - first_new) * d : ring_v + (pos % window) * d;
  }
};

struct SharedBuffers {
  float *phi, *phi_q, *num, *scores, *scratch;
};

__device__ void absorb(const HybridCallArgs& a, const DeviceKeys& keys, int64_t h, float* S,
                       float* z, int64_t from, int64_t to, const SharedBuffers& sh) {
  const int d = static_cast<int>(a.dims.head_dim), F = static_cast<int>(a.phi_k.out_dim);
  for (int64_t pos = from; pos < to; ++pos) {
    feature_map(a.phi_k, h, d, keys.key(pos), sh.phi, sh.scratch);
    const float* v = keys.value(pos);
    for (int idx = threadIdx.x; idx < F * d; idx += kThreads) S[idx] += sh.phi[idx / d] * v[idx % d];
    for (int f = threadIdx.x; f < F; f += kThreads) z[f] += sh.phi[f];
    __syncthreads();
  }
}

__global__ void hybrid_attention_kernel(HybridCallArgs a) {
  extern __shared__ float shared[];
  const auto& D = a.dims;
  const int d = static_cast<int>(D.head_dim), F = static_cast<int>(a.phi_k.out_dim);
  const int64_t W = D.window, P = a.state.position, end = P + a.length;
  const int64_t b = blockIdx.x / D.heads, h = blockIdx.x % D.heads;
  const int64_t g = h / (D.heads / D.kv_heads);
  const SharedBuffers sh{shared, shared + F, shared + 2 * F, shared + 2 * F + d,
                         shared + 2 * F + d + 2 * W + 1};
  const int64_t ring = (b * D.kv_heads + g) * W * d, fresh = (b * D.kv_heads + g) * a.length * d;
  const DeviceKeys keys{a.state.window_k + ring, a.state.window_v + ring, a.k + fresh,
                        a.v + fresh, P, W, d};
  float* S = a.state.S + (b * D.heads + h) * F * d;
  float* z = a.state.z + (b * D.heads + h) * F;
  const float gate = W > 0 ? a.gate[h] : 0.f;
  const float scale = rsqrtf(static_cast<float>(d));
  int64_t absorbed = P - W > 0 ? P - W : 0;
  for (int64_t i = P; i < end; ++i) {
    const int64_t ws = window_start(i, W, D.window_kind);
    absorb(a, keys, h, S, z, absorbed, ws, sh);
    absorbed = absorbed > ws ? absorbed : ws;
    const int64_t row = (b * D.heads + h) * a.length + (i - P);
    const float* q = a.q + row * d;
    feature_map(a.phi_q, h, d, q, sh.phi_q, sh.scratch);
    float part = 0.f;
    for (int f = threadIdx.x; f < F; f += kThreads) part += sh.phi_q[f] * z[f];
    const float linear_den = block_reduce(part, sh.scratch, false);
    for (int x = threadIdx.x; x < d; x += kThreads) {
      float acc = 0.f;
      for (int f = 0; f < F; ++f) acc += sh.phi_q[f] * S[f * d + x];
      sh.num[x] = acc;
    }
    const int n_win = static_cast<int>(i - ws + 1);  // 0 when pure linear
    float c = -INFINITY;
    for (int t = threadIdx.x; t < n_win; t += kThreads) {
      const float* k = keys.key(ws + t);
      float s = 0.f;
      for (int x = 0; x < d; ++x) s += q[x] * k[x];
      sh.scores[t] = s * scale;
      c = fmaxf(c, sh.scores[t]);
    }
    c = block_reduce(c, sh.scratch, true);
    float window_part = 0.f;
    for (int t = threadIdx.x; t < n_win; t += kThreads) {
      sh.scores[t] = gate * expf(sh.scores[t] - c);
      window_part += sh.scores[t];
    }
    const float den = linear_den + block_reduce(window_part, sh.scratch, false);
    for (int x = threadIdx.x; x < d; x += kThreads) {
      float acc = sh.num[x];
      for (int t = 0; t < n_win; ++t) acc += sh.scores[t] * keys.value(ws + t)[x];
      a.out[row * d + x] = acc / fmaxf(den, kDenominatorFloor);
    }
    __syncthreads();
  }
  const int64_t keep_from = end - W > 0 ? end - W : 0;
  absorb(a, keys, h, S, z, absorbed, keep_from, sh);
}

// Copies the new keys/values that stay in the window into the ring, after every head read it.
__global__ void update_ring_kernel(HybridCallArgs a) {
  const auto& D = a.dims;
  const int64_t W = D.window, d = D.head_dim, P = a.state.position, end = P + a.length;
  const int64_t bg = blockIdx.x;  // batch row * kv_heads + kv head
  const int64_t first = end - W > P ? end - W : P;
  for (int64_t idx = threadIdx.x; idx < (end - first) * d; idx += blockDim.x) {
    const int64_t pos = first + idx / d, x = idx % d;
    const int64_t src = (bg * a.length + (pos - P)) * d + x, dst = (bg * W + pos % W) * d + x;
    a.state.window_k[dst] = a.k[src];
    a.state.window_v[dst] = a.v[src];
  }
}

const char* launch(const HybridCallArgs& a, cudaStream_t stream) {
  const auto& D = a.dims;
  const size_t shared_floats = 2 * a.phi_k.out_dim + 2 * D.head_dim + 2 * D.window + 1 + kWarps;
  hybrid_attention_kernel<<<static_cast<unsigned>(D.batch * D.heads), kThreads,
                            shared_floats * sizeof(float), stream>>>(a);
  if (D.window > 0)
    update_ring_kernel<<<static_cast<unsigned>(D.batch * D.kv_heads), kThreads, 0, stream>>>(a);
  const cudaError_t err = cudaGetLastError();
  return err == cudaSuccess ? nullptr : cudaGetErrorString(err);
}

}  // namespace

const char* hybrid_prefill_cuda(const HybridCallArgs& args, void* stream) {
  return launch(args, static_cast<cudaStream_t>(stream));
}

const char* hybrid_decode_cuda(const HybridCallArgs& args, void* stream) {
  HybridCallArgs step = args;
  step.dims.window_kind = WindowKind::kSliding;  // decoding always uses the sliding window
  return launch(step, static_cast<cudaStream_t>(stream));
}

}  // namespace subq::kernels
