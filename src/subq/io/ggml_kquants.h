// Dequantization kernels of ggml's K-quant types (super-blocks of 256 elements): Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K and Q8_K. Internal to subq::io: ggml_types.cpp lists them in its type
// table, and callers go through subq::io::dequantize, which checks sizes and splits work.
#pragma once
#include <cstdint>

namespace subq::io::kquants {

constexpr int64_t kSuperBlock = 256;  // elements per K-quant block
// Bytes per block of each type (the ggml struct sizes; static_asserts in the .cpp tie the
// field offsets to them).
constexpr uint64_t kQ2KBytes = 84, kQ3KBytes = 110, kQ4KBytes = 144, kQ5KBytes = 176,
                   kQ6KBytes = 210, kQ8KBytes = 292;

void dequantize_q2_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q3_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q5_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks);
void dequantize_q8_k(const uint8_t* src, float* dst, int64_t blocks);

}  // namespace subq::io::kquants
