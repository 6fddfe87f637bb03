#include "subq/io/ggml_types.h"

#include <algorithm>
#include <cstring>

#include <ATen/Parallel.h>

#include "subq/io/ggml_kquants.h"
#include "subq/util/error.h"

namespace subq::io {

float fp16_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {  // inf / nan
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // signed zero
    bits = sign;
  } else {  // subnormal half -> normal float: shift the mantissa up until its leading 1 is implicit
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_float(uint16_t h) {
  const uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void dequantize_f32(const uint8_t* src, float* dst, int64_t n) { std::memcpy(dst, src, n * 4); }

void dequantize_f16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_float(load_u16(src + 2 * i));
}

void dequantize_bf16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_float(load_u16(src + 2 * i));
}

// Q8_0 block: fp16 scale d, 32 int8 quants; x = q * d.
void dequantize_q8_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 34, dst += 32) {
    const float d = fp16_to_float(load_u16(src));
    for (int j = 0; j < 32; ++j) dst[j] = float(int8_t(src[2 + j])) * d;
  }
}

// Q4_0 block: fp16 scale d, 16 bytes of nibbles; low nibbles are elements 0..15, high
// nibbles 16..31; x = (q - 8) * d.
void dequantize_q4_0(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 18, dst += 32) {
    const float d = fp16_to_float(load_u16(src));
    const uint8_t* qs = src + 2;
    for (int j = 0; j < 16; ++j) {
      dst[j] = float(int(qs[j] & 0x0f) - 8) * d;
      dst[j + 16] = float(int(qs[j] >> 4) - 8) * d;
    }
  }
}

// Q4_1 block: fp16 scale d, fp16 minimum m, 16 bytes of nibbles (same order as Q4_0);
// x = q * d + m.
void dequantize_q4_1(const uint8_t* src, float* dst, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b, src += 20, dst += 32) {
    const float d = fp16_to_float(load_u16(src));
    const float m = fp16_to_float(load_u16(src + 2));
    const uint8_t* qs = src + 4;
    for (int j = 0; j < 16; ++j) {
      dst[j] = float(qs[j] & 0x0f) * d + m;
      dst[j + 16] = float(qs[j] >> 4) * d + m;
    }
  }
}

// Q5_0 and Q5_1 add a fifth bit to the Q4 nibble layout: a little-endian 32-bit word qh
// whose bit j is the high bit of element j (low nibbles are elements 0..15, high 16..31).
void unpack_q5(const uint8_t* qh_bytes, const uint8_t* qs, uint8_t q[32]) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    q[j] = uint8_t((qs[j] & 0x0f) | (((qh >> j) & 1) << 4));
    q[j + 16] = uint8_t((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
  }
}

// Q5_0 block: fp16 scale d, qh, 16 bytes of nibbles; x = (q - 16) * d.
void dequantize_q5_0(const uint8_t* src, float* dst, int64_t blocks) {
  uint8_t q[32];
  for (int64_t b = 0; b < blocks; ++b, src += 22, dst += 32) {
    const float d = fp16_to_float(load_u16(src));
    unpack_q5(src + 2, src + 6, q);
    for (int j = 0; j < 32; ++j) dst[j] = float(int(q[j]) - 16) * d;
  }
}

// Q5_1 block: fp16 scale d, fp16 minimum m, qh, 16 bytes of nibbles; x = q * d + m.
void dequantize_q5_1(const uint8_t* src, float* dst, int64_t blocks) {
  uint8_t q[32];
  for (int64_t b = 0; b < blocks; ++b, src += 24, dst += 32) {
    const float d = fp16_to_float(load_u16(src));
    const float m = fp16_to_float(load_u16(src + 2));
    unpack_q5(src + 4, src + 8, q);
    for (int j = 0; j < 32; ++j) dst[j] = float(q[j]) * d + m;
  }
}

struct TypeRow {
  uint32_t id;
  GgmlTypeTraits traits;
};

// Every ggml type whose block layout subq knows. Rows without a kernel can still be parsed
// (shapes, sizes, `subq info`) but not dequantized; adding a kernel makes them loadable.
constexpr TypeRow kTypes[] = {
    {0, {"F32", 1, 4, dequantize_f32}},
    {1, {"F16", 1, 2, dequantize_f16}},
    {30, {"BF16", 1, 2, dequantize_bf16}},
    {8, {"Q8_0", 32, 34, dequantize_q8_0}},
    {2, {"Q4_0", 32, 18, dequantize_q4_0}},
    {3, {"Q4_1", 32, 20, dequantize_q4_1}},
    {6, {"Q5_0", 32, 22, dequantize_q5_0}},
    {7, {"Q5_1", 32, 24, dequantize_q5_1}},
    {9, {"Q8_1", 32, 36, nullptr}},
    {10, {"Q2_K", kquants::kSuperBlock, kquants::kQ2KBytes, kquants::dequantize_q2_k}},
    {11, {"Q3_K", kquants::kSuperBlock, kquants::kQ3KBytes, kquants::dequantize_q3_k}},
    {12, {"Q4_K", kquants::kSuperBlock, kquants::kQ4KBytes, kquants::dequantize_q4_k}},
    {13, {"Q5_K", kquants::kSuperBlock, kquants::kQ5KBytes, kquants::dequantize_q5_k}},
    {14, {"Q6_K", kquants::kSuperBlock, kquants::kQ6KBytes, kquants::dequantize_q6_k}},
    {15, {"Q8_K", kquants::kSuperBlock, kquants::kQ8KBytes, kquants::dequantize_q8_k}},
    {24, {"I8", 1, 1, nullptr}},
    {25, {"I16", 1, 2, nullptr}},
    {26, {"I32", 1, 4, nullptr}},
    {27, {"I64", 1, 8, nullptr}},
    {28, {"F64", 1, 8, nullptr}},
};

}  // namespace

const GgmlTypeTraits* ggml_type_traits(uint32_t type) {
  for (const auto& row : kTypes)
    if (row.id == type) return &row.traits;
  return nullptr;
}

const char* ggml_type_name(uint32_t type) {
  const GgmlTypeTraits* t = ggml_type_traits(type);
  return t ? t->name : "unknown";
}

uint64_t ggml_row_bytes(uint32_t type, int64_t n) {
  const GgmlTypeTraits* t = ggml_type_traits(type);
  SUBQ_CHECK(t, "ggml type {} is unknown to subq", type);
  SUBQ_CHECK(n >= 0 && n % t->block_elems == 0,
             "{} elements of type {} are not a whole number of {}-element blocks", n, t->name,
             t->block_elems);
  return uint64_t(n / t->block_elems) * t->block_bytes;
}

void dequantize(uint32_t type, const uint8_t* src, float* dst, int64_t n) {
  ggml_row_bytes(type, n);  // validates the type and block multiple
  const GgmlTypeTraits* t = ggml_type_traits(type);
  SUBQ_CHECK(t->dequantize, "dequantizing ggml type {} is not implemented", t->name);
  const int64_t blocks = n / t->block_elems;
  // Chunks of >= 16K elements: small tensors stay on one thread.
  const int64_t grain = std::max<int64_t>(1, 16384 / t->block_elems);
  at::parallel_for(0, blocks, grain, [&](int64_t begin, int64_t end) {
    t->dequantize(src + begin * t->block_bytes, dst + begin * t->block_elems, end - begin);
  });
}

}  // namespace subq::io
