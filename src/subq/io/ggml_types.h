// ggml tensor element types: block layout (elements per block, bytes per block) and the
// dequantization kernel of each type subq reads. Adding a type = one row in the table in
// ggml_types.cpp plus its dequantize function.
#pragma once
#include <cstdint>

namespace subq::io {

// ggml tensor types (numbers as in ggml).
enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, BF16 = 30,
};

using DequantizeFn = void (*)(const uint8_t* src, float* dst, int64_t n_blocks);

struct GgmlTypeTraits {
  const char* name;
  int64_t block_elems;   // elements per block (1 for plain float types)
  uint64_t block_bytes;  // bytes per block
  DequantizeFn dequantize;  // nullptr: layout known, no kernel yet
};

// Traits of a type whose layout subq knows, or nullptr.
const GgmlTypeTraits* ggml_type_traits(uint32_t type);
// Name of a known type ("Q4_K"), "unknown" otherwise.
const char* ggml_type_name(uint32_t type);

// Bytes for `n` elements of `type`; throws subq::Error for unknown types or when `n` is
// not a multiple of the block size.
uint64_t ggml_row_bytes(uint32_t type, int64_t n);
// Dequantizes `n` elements of `type` from `src` into `dst` (float32); `n` must be a multiple
// of the block size; throws for types without a kernel. Splits the work over LibTorch's intra-op threads.
void dequantize(uint32_t type, const uint8_t* src, float* dst, int64_t n);

// IEEE half and bfloat16 bit patterns -> float (exact).
float fp16_to_float(uint16_t bits);
float bf16_to_float(uint16_t bits);

}  // namespace subq::io
