// Dequantization against hand-built blocks; expected values are computed here from the ggml
// block layouts with torch's own half/bfloat16 conversions (an independent implementation).
#include "subq/io/ggml_types.h"

#include <cmath>
#include <cstring>
#include <random>

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;

namespace {

std::string half_bytes(float v) {
  const c10::Half h(v);
  std::string out(2, '\0');
  std::memcpy(out.data(), &h.x, 2);
  return out;
}
float half_value(float v) { return float(c10::Half(v)); }

std::vector<float> run(io::GgmlType type, const std::string& bytes, int64_t n) {
  std::vector<float> out(n);
  io::dequantize(uint32_t(type), reinterpret_cast<const uint8_t*>(bytes.data()), out.data(), n);
  return out;
}

}  // namespace

TEST(GgmlTypes, Fp16MatchesTorchForEveryBitPattern) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    c10::Half h;
    h.x = uint16_t(bits);
    const float expected = float(h);
    const float got = io::fp16_to_float(uint16_t(bits));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(got)) << bits;
    } else {
      ASSERT_EQ(got, expected) << "bits " << bits;
      ASSERT_EQ(std::signbit(got), std::signbit(expected)) << bits;
    }
  }
}

TEST(GgmlTypes, F16AndBf16AndF32Arrays) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.f, 3.f);
  std::string f16, bf16, f32;
  std::vector<float> want16, want_bf16, want32;
  for (int i = 0; i < 100; ++i) {
    const float v = normal(rng);
    f16 += half_bytes(v);
    want16.push_back(half_value(v));
    const c10::BFloat16 b(v);
    bf16.append(reinterpret_cast<const char*>(&b.x), 2);
    want_bf16.push_back(float(b));
    f32.append(reinterpret_cast<const char*>(&v), 4);
    want32.push_back(v);
  }
  EXPECT_EQ(run(io::GgmlType::F16, f16, 100), want16);
  EXPECT_EQ(run(io::GgmlType::BF16, bf16, 100), want_bf16);
  EXPECT_EQ(run(io::GgmlType::F32, f32, 100), want32);
}

TEST(GgmlTypes, Q8_0Blocks) {
  std::mt19937 rng(2);
  std::string bytes;
  std::vector<float> want;
  for (int block = 0; block < 3; ++block) {
    const float d = 0.01f * float(block + 1) * (block == 1 ? -1 : 1);
    bytes += half_bytes(d);
    for (int j = 0; j < 32; ++j) {
      const int8_t q = int8_t(int(rng() % 256) - 128);
      bytes.push_back(char(q));
      want.push_back(float(q) * half_value(d));
    }
  }
  EXPECT_EQ(run(io::GgmlType::Q8_0, bytes, 96), want);
}

TEST(GgmlTypes, Q4_0BlocksPutLowNibblesFirst) {
  std::mt19937 rng(3);
  std::string bytes;
  std::vector<float> want(64);
  for (int block = 0; block < 2; ++block) {
    const float d = block == 0 ? 0.125f : -0.7f;
    bytes += half_bytes(d);
    uint8_t qs[16];
    for (auto& q : qs) q = uint8_t(rng());
    bytes.append(reinterpret_cast<const char*>(qs), 16);
    for (int i = 0; i < 32; ++i) {  // element i: byte i % 16, low nibble for i < 16
      const int q = i < 16 ? (qs[i] & 15) : (qs[i - 16] >> 4);
      want[block * 32 + i] = float(q - 8) * half_value(d);
    }
  }
  EXPECT_EQ(run(io::GgmlType::Q4_0, bytes, 64), want);
  // A hand-checked element: byte 0x3A with d = 0.125: element 0 is (0xA-8)*d, 16 is (3-8)*d.
  std::string one = half_bytes(0.125f) + std::string(1, char(0x3A)) + std::string(15, char(0x88));
  const auto v = run(io::GgmlType::Q4_0, one, 32);
  EXPECT_EQ(v[0], 0.25f);
  EXPECT_EQ(v[16], -0.625f);
  EXPECT_EQ(v[1], 0.0f);
}

TEST(GgmlTypes, Q4_1BlocksAddTheMinimum) {
  std::mt19937 rng(4);
  std::string bytes;
  std::vector<float> want(96);
  for (int block = 0; block < 3; ++block) {
    const float d = 0.05f * float(block + 1), m = -0.3f + 0.2f * float(block);
    bytes += half_bytes(d) + half_bytes(m);
    uint8_t qs[16];
    for (auto& q : qs) q = uint8_t(rng());
    bytes.append(reinterpret_cast<const char*>(qs), 16);
    for (int i = 0; i < 32; ++i) {
      const int q = i < 16 ? (qs[i] & 15) : (qs[i - 16] >> 4);
      want[block * 32 + i] = float(q) * half_value(d) + half_value(m);
    }
  }
  EXPECT_EQ(run(io::GgmlType::Q4_1, bytes, 96), want);
}

TEST(GgmlTypes, RowBytesAndErrors) {
  EXPECT_EQ(io::ggml_row_bytes(uint32_t(io::GgmlType::Q4_1), 64), 40u);
  EXPECT_EQ(io::ggml_row_bytes(uint32_t(io::GgmlType::Q8_0), 32), 34u);
  EXPECT_EQ(io::ggml_row_bytes(uint32_t(io::GgmlType::BF16), 5), 10u);
  EXPECT_EQ(io::ggml_row_bytes(uint32_t(io::GgmlType::Q4_K), 256), 144u);
  EXPECT_THROW(io::ggml_row_bytes(uint32_t(io::GgmlType::Q4_0), 33), Error);
  EXPECT_THROW(io::ggml_row_bytes(999, 32), Error);
  EXPECT_THROW(io::ggml_row_bytes(uint32_t(io::GgmlType::Q6_K), 128), Error);  // half a super-block
  // Q8_1 (ggml's dot-product intermediate) has a known layout but no kernel.
  std::vector<float> out(32);
  std::string block(36, '\0');
  EXPECT_THROW(io::dequantize(uint32_t(io::GgmlType::Q8_1),
                              reinterpret_cast<const uint8_t*>(block.data()), out.data(), 32),
               Error);
  EXPECT_STREQ(io::ggml_type_name(3), "Q4_1");
  EXPECT_STREQ(io::ggml_type_name(4), "unknown");
}

TEST(GgmlTypes, ParallelDequantizationMatchesSerialBlocks) {
  // Large enough to be split across threads; every block distinct.
  const int blocks = 5000;
  std::string bytes;
  std::vector<float> want;
  for (int b = 0; b < blocks; ++b) {
    const float d = 0.001f * float(b % 97 + 1);
    bytes += half_bytes(d);
    for (int j = 0; j < 32; ++j) {
      const int8_t q = int8_t((b * 31 + j * 7) % 255 - 127);
      bytes.push_back(char(q));
      want.push_back(float(q) * half_value(d));
    }
  }
  EXPECT_EQ(run(io::GgmlType::Q8_0, bytes, blocks * 32), want);
}
