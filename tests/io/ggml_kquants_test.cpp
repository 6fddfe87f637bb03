// Dequantization of the K-quants and the 5-bit legacy types against an outside reference:
// gguf.quants from llama.cpp's `gguf` Python package, run through
// tests/io/gguf_dequant_reference.py in the venv that scripts/install_deps.sh makes. Random
// blocks of every type, then real rows of the Qwen2.5-Coder GGUFs (scripts/fetch_qwen.sh).
// Two hand-built blocks check the trickiest bit packing without Python.
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include <c10/util/Half.h>

#include "subq/io/ggml_kquants.h"
#include "subq/io/ggml_types.h"
#include "subq/io/gguf.h"
#include "support/test_support.h"

using namespace subq;
using io::GgmlType;

namespace {

const std::string kReference = std::string(SUBQ_TEST_DATA) + "/../io/gguf_dequant_reference.py";

#define REQUIRE_GGUF_PYTHON(var)                                                          \
  const std::string var = test::gguf_python();                                            \
  if (var.empty())                                                                        \
    GTEST_SKIP() << "needs the gguf-venv with `gguf` and `tokenizers` (scripts/install_deps.sh; " \
                    "or set SUBQ_GGUF_PYTHON)";

std::string quote(const std::string& s) { return "'" + s + "'"; }

void write_file(const std::filesystem::path& p, const void* data, size_t n) {
  std::ofstream out(p, std::ios::binary);
  out.write(static_cast<const char*>(data), std::streamsize(n));
}

std::vector<float> read_floats(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

std::vector<float> subq_dequantize(GgmlType type, const std::vector<uint8_t>& bytes) {
  const auto* t = io::ggml_type_traits(uint32_t(type));
  const int64_t n = int64_t(bytes.size() / t->block_bytes) * t->block_elems;
  std::vector<float> out(n);
  io::dequantize(uint32_t(type), bytes.data(), out.data(), n);
  return out;
}

// Element-wise agreement: bit-identical is expected (subq keeps ggml's order of operations);
// anything else must be within 1e-6 relative. Returns the number of bit-identical elements.
int64_t expect_agree(const std::string& what, const std::vector<float>& got,
                     const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size()) << what;
  if (got.size() != want.size()) return 0;
  int64_t identical = 0, bad = 0;
  double max_rel = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], 4) == 0) {
      ++identical;
      continue;
    }
    const double diff = std::abs(double(got[i]) - double(want[i]));
    const double rel = diff / std::max(std::abs(double(want[i])), 1e-30);
    max_rel = std::max(max_rel, rel);
    if (!(rel <= 1e-6) && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", reference " << want[i];
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size() << " elements disagree";
  std::cout << what << ": " << identical << "/" << got.size() << " bit-identical, max relative "
            << "difference " << max_rel << "\n";
  return identical;
}

// Where a type's blocks keep floating-point scales; every other byte is quant or scale bits,
// for which any value is valid.
struct BlockFloats {
  GgmlType type;
  std::vector<int> half_offsets;
  int single_offset = -1;  // Q8_K's fp32 super-scale
  bool bfloat = false;      // BF16: the whole 2-byte block is one bfloat16
};

const std::vector<BlockFloats>& all_types() {
  static const std::vector<BlockFloats> types = {
      {GgmlType::F16, {0}},        {GgmlType::BF16, {}, -1, true}, {GgmlType::F32, {}, 0},
      {GgmlType::Q4_0, {0}},       {GgmlType::Q4_1, {0, 2}},       {GgmlType::Q5_0, {0}},
      {GgmlType::Q5_1, {0, 2}},    {GgmlType::Q8_0, {0}},          {GgmlType::Q2_K, {80, 82}},
      {GgmlType::Q3_K, {108}},     {GgmlType::Q4_K, {0, 2}},       {GgmlType::Q5_K, {0, 2}},
      {GgmlType::Q6_K, {208}},     {GgmlType::Q8_K, {}, 0},
  };
  return types;
}

// Random blocks with finite scales (any finite half, subnormals and zeros included). The
// first two blocks have all quant bytes 0x00 and 0xFF, the extremes of every bit field.
std::vector<uint8_t> random_blocks(const BlockFloats& spec, int blocks, std::mt19937& rng) {
  const uint64_t bb = io::ggml_type_traits(uint32_t(spec.type))->block_bytes;
  std::vector<uint8_t> bytes(bb * blocks);
  for (auto& b : bytes) b = uint8_t(rng());
  std::fill(bytes.begin(), bytes.begin() + bb, 0x00);
  std::fill(bytes.begin() + bb, bytes.begin() + 2 * bb, 0xFF);
  std::uniform_real_distribution<float> uniform(-8.f, 8.f);
  for (int b = 0; b < blocks; ++b) {
    uint8_t* block = bytes.data() + b * bb;
    for (int off : spec.half_offsets) {
      uint16_t h;
      do h = uint16_t(rng()); while (((h >> 10) & 0x1f) == 0x1f);  // no inf/nan
      std::memcpy(block + off, &h, 2);
    }
    if (spec.bfloat) {
      uint16_t h;
      do h = uint16_t(rng()); while (((h >> 7) & 0xff) == 0xff);
      std::memcpy(block, &h, 2);
    }
    if (spec.single_offset >= 0) {
      const float d = uniform(rng);
      std::memcpy(block + spec.single_offset, &d, 4);
    }
  }
  return bytes;
}

// Swaps the two nibbles of bytes [first, last) of every block: a plausible packing bug.
std::vector<uint8_t> swap_nibbles(std::vector<uint8_t> bytes, uint64_t block_bytes, int first, int last) {
  for (size_t b = 0; b < bytes.size(); b += block_bytes)
    for (int i = first; i < last; ++i) bytes[b + i] = uint8_t((bytes[b + i] << 4) | (bytes[b + i] >> 4));
  return bytes;
}

float half(float v) { return float(c10::Half(v)); }
void put_half(uint8_t* p, float v) {
  const c10::Half h(v);
  std::memcpy(p, &h.x, 2);
}

}  // namespace

TEST(GgmlKQuants, RandomBlocksMatchGgufPackageReference) {
  REQUIRE_GGUF_PYTHON(python);
  test::TempDir dir;
  std::mt19937 rng(20261203);
  std::map<GgmlType, std::vector<uint8_t>> inputs;
  std::string cmd = quote(python) + " " + quote(kReference) + " bytes";
  for (const auto& spec : all_types()) {
    const auto* t = io::ggml_type_traits(uint32_t(spec.type));
    // Same element count for every type (96 super-blocks' worth).
    const int blocks = int(96 * 256 / t->block_elems);
    inputs[spec.type] = random_blocks(spec, blocks, rng);
    const auto in = dir / (std::string(t->name) + ".bin");
    write_file(in, inputs[spec.type].data(), inputs[spec.type].size());
    cmd += fmt::format(" {} {} {}", t->name, quote(in.string()), quote((dir / (std::string(t->name) + ".f32")).string()));
  }
  std::string output;
  ASSERT_EQ(test::run_command(cmd, &output), 0) << cmd << "\n" << output;
  std::map<GgmlType, std::vector<float>> reference;
  for (const auto& spec : all_types()) {
    const std::string name = io::ggml_type_name(uint32_t(spec.type));
    reference[spec.type] = read_floats(dir / (name + ".f32"));
    ASSERT_EQ(reference[spec.type].size(), size_t(96 * 256)) << name;
    const int64_t same = expect_agree(name, subq_dequantize(spec.type, inputs[spec.type]), reference[spec.type]);
    EXPECT_EQ(same, 96 * 256) << name << " is not bit-identical to gguf.quants";
  }
  // The comparison catches packing mistakes: with the nibbles of the quant bytes swapped,
  // most elements change (a zero quant against a zero scale can coincide, so not all).
  struct Swap {
    GgmlType type;
    int first, last;  // the nibble-packed bytes of one block
  };
  for (const Swap& s : {Swap{GgmlType::Q4_K, 16, 144}, Swap{GgmlType::Q5_K, 48, 176},
                        Swap{GgmlType::Q6_K, 0, 128}, Swap{GgmlType::Q5_0, 6, 22}}) {
    const auto bb = io::ggml_type_traits(uint32_t(s.type))->block_bytes;
    const auto wrong = subq_dequantize(s.type, swap_nibbles(inputs[s.type], bb, s.first, s.last));
    int64_t differ = 0;
    for (size_t i = 0; i < wrong.size(); ++i) differ += wrong[i] != reference[s.type][i];
    EXPECT_GT(differ, int64_t(wrong.size() / 2)) << io::ggml_type_name(uint32_t(s.type));
  }
}

TEST(GgmlKQuants, RealQwenRowsMatchGgufPackageReference) {
  REQUIRE_GGUF_PYTHON(python);
  const auto models = test::qwen_models();
  if (models.empty())
    GTEST_SKIP() << "no Qwen2.5-Coder GGUF (scripts/fetch_qwen.sh 0.5b, or set SUBQ_QWEN_MODEL)";
  constexpr int64_t kRows = 4;
  for (const auto& path : models) {
    io::GgufFile f(path);
    // The first and the last tensor of each type: the reference finds them with its own
    // parser (GGUFReader), so offsets deep into the file are checked too.
    std::map<uint32_t, std::vector<const io::GgufTensorInfo*>> picked;
    for (const auto& t : f.tensors()) {
      auto& v = picked[t.type];
      if (v.size() < 2) v.push_back(&t);
      else v[1] = &t;
    }
    test::TempDir dir;
    std::string cmd = fmt::format("{} {} gguf {} {} {}", quote(python), quote(kReference),
                                  quote(path.string()), kRows, quote(dir.path().string()));
    for (const auto& [type, tensors] : picked)
      for (const auto* t : tensors) cmd += " " + quote(t->name);
    std::string output;
    ASSERT_EQ(test::run_command(cmd, &output), 0) << cmd << "\n" << output;
    std::set<std::string> types_seen;
    for (const auto& [type, tensors] : picked) {
      types_seen.insert(io::ggml_type_name(type));
      for (const auto* t : tensors) {
        const int64_t rows = std::min<int64_t>(kRows, t->numel() / t->ne[0]);
        std::vector<float> got(rows * t->ne[0]);
        io::dequantize(t->type, f.tensor_data(*t), got.data(), int64_t(got.size()));
        const auto want = read_floats(dir / (t->name + ".f32"));
        const std::string what = fmt::format("{} {} ({}, {} rows of {})", path.filename().string(),
                                             t->name, io::ggml_type_name(t->type), rows, t->ne[0]);
        EXPECT_EQ(expect_agree(what, got, want), int64_t(got.size())) << what;
      }
    }
    // Q4_K_M files mix these types; a file without K-quants would test little.
    EXPECT_TRUE(types_seen.count("Q4_K") && types_seen.count("Q6_K")) << path;
  }
}

// Q4_K sub-blocks 4..7 assemble their 6-bit scale and min from two places (nibbles of bytes
// 8..11, top bits of bytes 0..7); values above 15 and 31 exercise both parts.
TEST(GgmlKQuants, Q4KScalePackingByHand) {
  const int scale[8] = {1, 2, 3, 63, 37, 16, 50, 9};
  const int min[8] = {0, 5, 62, 7, 48, 33, 1, 20};
  std::vector<uint8_t> block(io::kquants::kQ4KBytes, 0);
  put_half(&block[0], 0.5f);
  put_half(&block[2], 0.25f);
  uint8_t* s = &block[4];
  for (int j = 0; j < 4; ++j) {
    s[j] = uint8_t(scale[j] | ((scale[j + 4] >> 4) << 6));
    s[j + 4] = uint8_t(min[j] | ((min[j + 4] >> 4) << 6));
    s[j + 8] = uint8_t((scale[j + 4] & 15) | ((min[j + 4] & 15) << 4));
  }
  // Byte 32c + l holds element 64c + l (low nibble) and 64c + 32 + l (high nibble).
  for (int i = 0; i < 128; ++i) block[16 + i] = uint8_t((i % 16) | ((15 - i % 16) << 4));
  const auto got = subq_dequantize(GgmlType::Q4_K, block);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32, l = e % 32;
    const int q = sub % 2 == 0 ? l % 16 : 15 - l % 16;
    const float want = half(0.5f) * float(scale[sub]) * float(q) - half(0.25f) * float(min[sub]);
    ASSERT_EQ(got[e], want) << "element " << e;
  }
}

// Q5_0: bit j of the 32-bit word after d is the fifth bit of element j.
TEST(GgmlKQuants, Q5_0HighBitsByHand) {
  std::vector<uint8_t> block(22, 0);
  put_half(&block[0], 2.0f);
  const uint32_t qh = 0x8000'0001u | (1u << 16);  // elements 0, 16 and 31
  std::memcpy(&block[2], &qh, 4);
  for (int j = 0; j < 16; ++j) block[6 + j] = uint8_t(j | (j << 4));
  const auto got = subq_dequantize(GgmlType::Q5_0, block);
  for (int e = 0; e < 32; ++e) {
    const int q = (e % 16) + ((qh >> e) & 1 ? 16 : 0);
    ASSERT_EQ(got[e], float(q - 16) * 2.0f) << "element " << e;
  }
  EXPECT_EQ(got[0], 0.0f);    // 0 + 16 - 16
  EXPECT_EQ(got[1], -30.0f);  // (1 - 16) * 2
  EXPECT_EQ(got[31], 30.0f);  // (15 + 16 - 16) * 2
}

// End-to-end sanity (no reference): every tensor of the Qwen files loads through
// GgufFile::load with its torch shape and only finite values. One file (the 0.5B when cached):
// dequantizing all of the 1.5B too takes ~40 s more on a busy 2-core machine.
TEST(GgmlKQuants, EveryQwenTensorLoadsFinite) {
  const auto models = test::qwen_models();
  if (models.empty())
    GTEST_SKIP() << "no Qwen2.5-Coder GGUF (scripts/fetch_qwen.sh 0.5b, or set SUBQ_QWEN_MODEL)";
  for (const auto& path : {models.front()}) {
    io::GgufFile f(path);
    EXPECT_EQ(f.get("general.architecture").as_string(), "qwen2");
    int64_t params = 0;
    for (const auto& info : f.tensors()) {
      const auto t = f.load(info);
      ASSERT_EQ(t.sizes().vec(), info.shape()) << info.name;
      ASSERT_TRUE(torch::isfinite(t).all().item<bool>()) << path << " " << info.name;
      params += t.numel();
    }
    std::cout << path.filename().string() << ": " << f.tensors().size() << " tensors, " << params
              << " parameters, all finite\n";
  }
}
