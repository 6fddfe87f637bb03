// K-quant kernels, written from ggml's block layouts. Every type packs 256 elements into one
// super-block with one or two fp16 (Q8_K: fp32) super-scales and per-sub-block integer scales.
// The arithmetic order matches ggml's reference dequantizer (sub-block scale = d * sc first,
// then scale * q - min), so results are bit-identical to it (as long as the compiler does not
// fuse multiply-adds, which the default x86-64 build does not).
#include "subq/io/ggml_kquants.h"

#include <cstring>

#include "subq/io/ggml_types.h"

namespace subq::io::kquants {
namespace {

float load_f16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return fp16_to_float(v);
}

// Several types quantize elements in 128-element halves of a super-block whose 32-byte
// quant arrays are shared: element 128*h + 32*j + l (j < 4, l < 32) keeps its 2 bits in
// bits 2j..2j+1 of byte 32*h + l. Q2_K stores its quants so; Q3_K stores its low 2 bits so.
inline uint8_t two_bits(const uint8_t* qs, int e) {
  const int h = e / 128, j = (e % 128) / 32, l = e % 32;
  return (qs[32 * h + l] >> (2 * j)) & 3;
}

// The 12 scale bytes of Q4_K/Q5_K hold eight 6-bit scales and eight 6-bit mins. Sub-blocks
// 0..3 use the low 6 bits of bytes 0..3 (scale) and 4..7 (min); sub-blocks 4..7 take their
// low 4 bits from the nibbles of bytes 8..11 and their top 2 bits from the spare top bits of
// bytes 0..3 (scale) and 4..7 (min).
inline void scale_min_6bit(const uint8_t* s, int sub, uint8_t& scale, uint8_t& min) {
  if (sub < 4) {
    scale = s[sub] & 63;
    min = s[sub + 4] & 63;
  } else {
    scale = uint8_t((s[sub + 4] & 15) | ((s[sub - 4] >> 6) << 4));
    min = uint8_t((s[sub + 4] >> 4) | ((s[sub] >> 6) << 4));
  }
}

// Q3_K's 12 scale bytes hold sixteen 6-bit scales, stored offset by 32: the low 4 bits of
// scale i are a nibble of byte i % 8 (low nibble for i < 8), the top 2 bits are bits
// 2*(i/4)..+1 of byte 8 + i % 4.
inline int scale_6bit_q3(const uint8_t* s, int i) {
  const int low = i < 8 ? (s[i] & 15) : (s[i - 8] >> 4);
  const int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// Q4_K and Q5_K: d, dmin (fp16), 12 scale bytes, [Q5_K: 32 bytes of high bits], 128 bytes of
// nibbles. Eight sub-blocks of 32; element 64*c + 32*k + l (c < 4, k < 2) is nibble k of
// byte 32*c + l, i.e. sub-block e / 32; Q5_K's fifth bit is bit e / 32 of qh[l].
// x = (d * scale) * q - (dmin * min).
template <bool kHighBit>
void dequantize_affine_k(const uint8_t* src, float* dst, int64_t blocks, uint64_t block_bytes) {
  for (int64_t b = 0; b < blocks; ++b, src += block_bytes, dst += kSuperBlock) {
    const float d = load_f16(src), dmin = load_f16(src + 2);
    const uint8_t* scales = src + 4;
    const uint8_t* qh = src + 16;
    const uint8_t* qs = src + 16 + (kHighBit ? 32 : 0);
    for (int sub = 0; sub < 8; ++sub) {
      uint8_t sc, mn;
      scale_min_6bit(scales, sub, sc, mn);
      const float dl = d * float(sc), ml = dmin * float(mn);
      const uint8_t* bytes = qs + 32 * (sub / 2);
      const int shift = 4 * (sub % 2);
      float* out = dst + 32 * sub;
      for (int l = 0; l < 32; ++l) {
        int q = (bytes[l] >> shift) & 15;
        if (kHighBit) q |= ((qh[l] >> sub) & 1) << 4;
        out[l] = dl * float(q) - ml;
      }
    }
  }
}

}  // namespace

// Q2_K: 16 scale bytes (low nibble: scale, high nibble: min of each 16-element sub-block),
// 64 bytes of 2-bit quants, d, dmin (fp16). x = (d * scale) * q - (dmin * min).
void dequantize_q2_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(16 + 64 + 2 + 2 == kQ2KBytes, "Q2_K layout");
  for (int64_t b = 0; b < blocks; ++b, src += kQ2KBytes, dst += kSuperBlock) {
    const uint8_t* scales = src;
    const uint8_t* qs = src + 16;
    const float d = load_f16(src + 80), dmin = load_f16(src + 82);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * float(scales[sub] & 15), ml = dmin * float(scales[sub] >> 4);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) dst[e] = dl * float(two_bits(qs, e)) - ml;
    }
  }
}

// Q3_K: 32 bytes of high bits, 64 bytes of low 2-bit quants, 12 scale bytes, d (fp16).
// Signed 3-bit quants: q = low2 - 4 when the high bit (bit e / 32 of hmask[e % 32]) is
// clear, low2 when set. x = (d * scale) * q with 16 sub-blocks of 16.
void dequantize_q3_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(32 + 64 + 12 + 2 == kQ3KBytes, "Q3_K layout");
  for (int64_t b = 0; b < blocks; ++b, src += kQ3KBytes, dst += kSuperBlock) {
    const uint8_t* hmask = src;
    const uint8_t* qs = src + 32;
    const uint8_t* scales = src + 96;
    const float d = load_f16(src + 108);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * float(scale_6bit_q3(scales, sub));
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
        const int high = (hmask[e % 32] >> (e / 32)) & 1;
        dst[e] = dl * float(int(two_bits(qs, e)) - (high ? 0 : 4));
      }
    }
  }
}

void dequantize_q4_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(2 + 2 + 12 + 128 == kQ4KBytes, "Q4_K layout");
  dequantize_affine_k<false>(src, dst, blocks, kQ4KBytes);
}

void dequantize_q5_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(2 + 2 + 12 + 32 + 128 == kQ5KBytes, "Q5_K layout");
  dequantize_affine_k<true>(src, dst, blocks, kQ5KBytes);
}

// Q6_K: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, d (fp16).
// In half h (128 elements), element 32*k + l (k < 4) takes nibble k / 2 of
// ql[64*h + 32*(k % 2) + l] and bits 2k..2k+1 of qh[32*h + l]; q is 6 bits minus 32.
// x = (d * scale) * q with 16 sub-blocks of 16.
void dequantize_q6_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(128 + 64 + 16 + 2 == kQ6KBytes, "Q6_K layout");
  for (int64_t b = 0; b < blocks; ++b, src += kQ6KBytes, dst += kSuperBlock) {
    const uint8_t* ql = src;
    const uint8_t* qh = src + 128;
    const int8_t* scales = reinterpret_cast<const int8_t*>(src + 192);
    const float d = load_f16(src + 208);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * float(scales[sub]);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
        const int h = e / 128, k = (e % 128) / 32, l = e % 32;
        const int low = (ql[64 * h + 32 * (k % 2) + l] >> (4 * (k / 2))) & 15;
        const int high = (qh[32 * h + l] >> (2 * k)) & 3;
        dst[e] = dl * float((low | (high << 4)) - 32);
      }
    }
  }
}

// Q8_K: fp32 d, 256 int8 quants, 16 int16 partial sums (used only by ggml's dot products,
// ignored here). x = d * q.
void dequantize_q8_k(const uint8_t* src, float* dst, int64_t blocks) {
  static_assert(4 + 256 + 2 * 16 == kQ8KBytes, "Q8_K layout");
  for (int64_t b = 0; b < blocks; ++b, src += kQ8KBytes, dst += kSuperBlock) {
    float d;
    std::memcpy(&d, src, 4);
    const int8_t* qs = reinterpret_cast<const int8_t*>(src + 4);
    for (int e = 0; e < kSuperBlock; ++e) dst[e] = d * float(qs[e]);
  }
}

}  // namespace subq::io::kquants
