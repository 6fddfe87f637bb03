// Plain-pointer description of one hybrid (sliding-window softmax + linear) attention call,
// shared by the fused CPU kernels and the CUDA kernels. No LibTorch here: the .cu files
// include this header and must compile with a bare nvcc.
//
// Layouts (all float32, contiguous, row-major):
//   q            (B, H, L, d)        queries of the new tokens (RoPE applied)
//   k, v         (B, Hkv, L, d)      keys/values of the new tokens (not repeated for GQA)
//   out          (B, H, L, d)
//   window_k/v   (B, Hkv, W, d)      ring buffer: position p lives in slot p % W
//   S            (B, H, F, d)        sum over linear-part keys of phi_k(k) v^T
//   z            (B, H, F)           sum over linear-part keys of phi_k(k)
//   gate         (H)                 gamma_h = sigmoid(w_h), already applied
//   feature map weight (H, d, f), bias (H, f)
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define SUBQ_HOST_DEVICE __host__ __device__
#else
#define SUBQ_HOST_DEVICE
#endif

namespace subq::kernels {

enum class FeatureMapKind : int32_t { kHedgehog = 0, kT2R = 1, kElu = 2 };

// Which keys form the softmax window of a query (the rest before it are linear).
enum class WindowKind : int32_t { kSliding = 0, kTerraced = 1 };

struct FeatureMapArgs {
  FeatureMapKind kind = FeatureMapKind::kElu;
  const float* weight = nullptr;  // (H, d, f); unused by elu
  const float* bias = nullptr;    // (H, f); t2r only
  int64_t feature_dim = 0;        // f (columns of W)
  int64_t out_dim = 0;            // F: 2f for hedgehog, f for t2r, d for elu
};

struct HybridDims {
  int64_t batch = 0, heads = 0, kv_heads = 0, head_dim = 0;
  int64_t window = 0;  // W; 0 means pure linear attention (no softmax part, no gate)
  WindowKind window_kind = WindowKind::kSliding;
};

// The per-sequence memory the kernels read and update in place.
struct HybridStateArgs {
  float* window_k = nullptr;
  float* window_v = nullptr;
  float* S = nullptr;
  float* z = nullptr;
  int64_t position = 0;  // tokens consumed before this call (same for every batch row)
};

struct HybridCallArgs {
  HybridDims dims;
  FeatureMapArgs phi_q, phi_k;
  const float* gate = nullptr;
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t length = 0;  // L new tokens
  float* out = nullptr;
  HybridStateArgs state;
};

// Denominators are floored here so that a pure linear attention with a map that can output
// zeros (t2r) returns 0 instead of NaN; every form (quadratic, chunked, recurrent) uses it.
constexpr float kDenominatorFloor = 1e-12f;
// Hedgehog features are clamped below at this value (spec).
constexpr float kFeatureFloor = 1e-12f;

// First key of the softmax window of query i; keys j < window_start are in the linear part.
// Sliding: {i-W+1..i}. Terraced: the previous W-block and the own block up to i.
// W == 0 gives i + 1: every key, including i itself, is linear.
SUBQ_HOST_DEVICE inline int64_t window_start(int64_t i, int64_t window, WindowKind kind) {
  if (window == 0) return i + 1;
  if (kind == WindowKind::kTerraced) {
    const int64_t start = (i / window) * window - window;
    return start > 0 ? start : 0;
  }
  const int64_t start = i - window + 1;
  return start > 0 ? start : 0;
}

}  // namespace subq::kernels
