// Fused CPU kernels (OpenMP over batch x heads, SIMD-friendly inner loops) for hybrid
// sliding-window + linear attention. Feature maps are applied inline, so no (L x F)
// feature tensor and no (L x L) matrix is ever allocated: memory is O(state + chunk).
// Callers go through nn::HybridAttention; nothing else should call these directly.
#pragma once
#include "subq/kernels/hybrid_kernel_args.h"

namespace subq::kernels {

// Chunked prefill: attends args.length new tokens that follow args.state.position earlier
// ones, writes args.out and advances the state (S, z and the key/value ring) in place.
// Terraced windows are only valid when state.position == 0 (the caller enforces it).
void hybrid_prefill_cpu(const HybridCallArgs& args);

// Recurrent decode step (args.length == 1, sliding window): evicts the key leaving the
// window into S and z, attends the window plus the linear state, appends the new key.
void hybrid_decode_cpu(const HybridCallArgs& args);

}  // namespace subq::kernels
