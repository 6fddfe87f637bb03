#include "subq/io/gguf.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "subq/io/gguf_writer.h"
#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;
using io::GgufValue;
using Type = GgufValue::Type;

namespace {

std::filesystem::path write_bytes(const test::TempDir& dir, const std::string& name,
                                  const std::string& bytes) {
  std::ofstream(dir / name, std::ios::binary) << bytes;
  return dir / name;
}

// A small file with every value type, nested and empty arrays, and tensors of several types.
io::GgufWriter sample_writer(uint32_t alignment = 32) {
  io::GgufWriter w(alignment);
  w.set("u8", GgufValue::uint(Type::UINT8, 200));
  w.set("i8", GgufValue::sint(Type::INT8, -100));
  w.set("u16", GgufValue::uint(Type::UINT16, 60000));
  w.set("i16", GgufValue::sint(Type::INT16, -30000));
  w.set("u32", GgufValue::uint(Type::UINT32, 4000000000u));
  w.set("i32", GgufValue::sint(Type::INT32, -2000000000));
  w.set("u64", GgufValue::uint(Type::UINT64, 1ull << 60));
  w.set("i64", GgufValue::sint(Type::INT64, -(1ll << 60)));
  w.set("f32", GgufValue::real(Type::FLOAT32, 0.5));
  w.set("f64", GgufValue::real(Type::FLOAT64, 3.141592653589793));
  w.set("bool", GgufValue::boolean(true));
  w.set("str", GgufValue::string("héllo ▁world"));
  w.set("strs", GgufValue::strings({"a", "", "ccc"}));
  w.set("empty", GgufValue::array(Type::INT32, {}));
  w.set("nested", GgufValue::array(Type::ARRAY,
                                   {GgufValue::array(Type::INT16, {GgufValue::sint(Type::INT16, 1),
                                                                   GgufValue::sint(Type::INT16, -2)}),
                                    GgufValue::array(Type::FLOAT32, {GgufValue::real(Type::FLOAT32, 2.5)})}));
  w.add_tensor("f32.weight", torch::arange(12, torch::kFloat32).reshape({3, 4}));
  w.add_tensor("f16.weight", torch::full({2, 3}, 1.5f), io::GgmlType::F16);
  w.add_tensor("bf16.weight", torch::full({5}, -2.0f), io::GgmlType::BF16);
  // One Q8_0 block: d = 0.5 (fp16 0x3800), quants 0..31 -> values j * 0.5.
  std::string q8("\x00\x38", 2);
  for (int j = 0; j < 32; ++j) q8.push_back(char(j));
  w.add_raw_tensor("q8.weight", uint32_t(io::GgmlType::Q8_0), {32, 1}, q8);
  return w;
}

size_t find(const std::string& bytes, const std::string& needle) {
  const size_t p = bytes.find(needle);
  EXPECT_NE(p, std::string::npos) << needle;
  return p;
}

template <typename T>
std::string patched(std::string bytes, size_t pos, T value) {
  std::memcpy(bytes.data() + pos, &value, sizeof(T));
  return bytes;
}

// Position just after the name string of the tensor info `name` (its n_dims field).
size_t tensor_info_pos(const std::string& bytes, const std::string& name) {
  return find(bytes, name) + name.size();
}

}  // namespace

TEST(Gguf, WriterRoundTripsEveryValueTypeAndTensor) {
  for (uint32_t alignment : {32u, 64u, 8u}) {
    test::TempDir dir;
    sample_writer(alignment).write(dir / "t.gguf");
    io::GgufFile f(dir / "t.gguf");
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), alignment);
    EXPECT_EQ(f.data_offset() % alignment, 0u);
    EXPECT_EQ(f.get("u8").as_int(), 200);
    EXPECT_EQ(f.get("i8").as_int(), -100);
    EXPECT_EQ(f.get("u16").as_int(), 60000);
    EXPECT_EQ(f.get("i16").as_int(), -30000);
    EXPECT_EQ(f.get("u32").as_int(), 4000000000ll);
    EXPECT_EQ(f.get("i32").as_int(), -2000000000);
    EXPECT_EQ(f.get("u64").as_int(), 1ll << 60);
    EXPECT_EQ(f.get("i64").as_int(), -(1ll << 60));
    EXPECT_EQ(f.get("f32").as_float(), 0.5);
    EXPECT_EQ(f.get("f32").type, Type::FLOAT32);
    EXPECT_EQ(f.get("f64").as_float(), 3.141592653589793);
    EXPECT_TRUE(f.get("bool").as_bool());
    EXPECT_EQ(f.get("str").as_string(), "héllo ▁world");
    EXPECT_EQ(f.get("strs").as_strings(), (std::vector<std::string>{"a", "", "ccc"}));
    EXPECT_TRUE(f.get("empty").as_array().empty());
    EXPECT_EQ(f.get("empty").array_type, Type::INT32);
    const auto& nested = f.get("nested").as_array();
    ASSERT_EQ(nested.size(), 2u);
    EXPECT_EQ(nested[0].as_ints(), (std::vector<int64_t>{1, -2}));
    EXPECT_EQ(nested[1].as_floats(), (std::vector<double>{2.5}));
    EXPECT_EQ(f.get("nested").to_display_string(), "array[2]: [int16[2]: [1, -2], float32[1]: [2.5]]");
    EXPECT_THROW(f.get("str").as_int(), Error);
    EXPECT_THROW(f.get("u64").as_string(), Error);
    EXPECT_THROW(f.get("missing"), Error);

    EXPECT_TRUE(torch::equal(f.load("f32.weight"), torch::arange(12, torch::kFloat32).reshape({3, 4})));
    EXPECT_TRUE(torch::equal(f.load("f16.weight"), torch::full({2, 3}, 1.5f)));
    EXPECT_TRUE(torch::equal(f.load("bf16.weight"), torch::full({5}, -2.0f)));
    EXPECT_TRUE(torch::equal(f.load("q8.weight"), (torch::arange(32, torch::kFloat32) * 0.5).reshape({1, 32})));
    const auto* info = f.find_tensor("f32.weight");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->ne, (std::vector<int64_t>{4, 3}));
    EXPECT_EQ(info->shape(), (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(info->bytes, 48u);
    EXPECT_EQ(f.find_tensor("nope"), nullptr);
    EXPECT_THROW(f.load("nope"), Error);
  }
}

TEST(Gguf, ReadsVersion2) {
  test::TempDir dir;
  const auto p = write_bytes(dir, "v2.gguf", sample_writer().serialize(2));
  EXPECT_EQ(io::GgufFile(p).version(), 2u);
}

TEST(Gguf, RealStories260K) {
  SUBQ_REQUIRE_SHARED(path, "models/stories260K/stories260K.gguf");
  io::GgufFile f(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get("general.architecture").as_string(), "llama");
  EXPECT_EQ(f.get("llama.embedding_length").as_int(), 64);
  EXPECT_EQ(f.get("llama.feed_forward_length").as_int(), 172);
  EXPECT_EQ(f.get("llama.block_count").as_int(), 5);
  EXPECT_EQ(f.get("llama.attention.head_count").as_int(), 8);
  EXPECT_EQ(f.get("llama.attention.head_count_kv").as_int(), 4);
  EXPECT_EQ(f.get("tokenizer.ggml.model").as_string(), "llama");
  EXPECT_EQ(f.get("tokenizer.ggml.tokens").as_array().size(), 512u);
  EXPECT_EQ(f.tensors().size(), 48u);
  EXPECT_EQ(f.find_tensor("blk.0.attn_k.weight")->shape(), (std::vector<int64_t>{32, 64}));
  auto emb = f.load("token_embd.weight");
  EXPECT_EQ(emb.sizes(), (std::vector<int64_t>{512, 64}));
  EXPECT_TRUE(torch::isfinite(emb).all().item<bool>());
}

TEST(Gguf, RealSmolLM2Q4_1MatchesGgufPy) {
  const char* env = std::getenv("SUBQ_DEFAULT_MODEL");
  std::filesystem::path path = env ? env : "/root/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "SmolLM2 GGUF not present (set SUBQ_DEFAULT_MODEL)";
  io::GgufFile f(path);
  EXPECT_EQ(f.get("llama.embedding_length").as_int(), 576);
  EXPECT_EQ(f.get("llama.block_count").as_int(), 30);
  EXPECT_EQ(f.get("tokenizer.ggml.model").as_string(), "gpt2");
  EXPECT_EQ(f.get("tokenizer.ggml.pre").as_string(), "smollm");
  EXPECT_EQ(f.get("tokenizer.ggml.merges").as_array().size(), 48900u);
  EXPECT_EQ(f.tensors().size(), 272u);
  // Golden values from gguf-py 0.19 (gguf.quants.dequantize), an independent implementation.
  struct Golden {
    const char* name;
    std::vector<int64_t> shape;
    double sum;
    std::vector<float> at;  // elements 0, 1, 17, 31, 1000 of the flattened tensor
  };
  const Golden golden[] = {
      {"token_embd.weight", {49152, 576}, -15353.04449415207,  // Q8_0
       {-0.10654449462890625f, 0.032978057861328125f, 0.08371353149414062f, -0.20040512084960938f, 0.007411956787109375f}},
      {"blk.0.attn_q.weight", {576, 576}, 59.22322082519531,  // Q4_1
       {-0.0963134765625f, 0.1573486328125f, 0.2841796875f, -0.0963134765625f, -0.138427734375f}},
      {"blk.29.ffn_down.weight", {576, 1536}, 49.83570861816406,  // Q4_1
       {-0.2733154296875f, 0.186279296875f, 0.04840087890625f, -0.2733154296875f, 0.08392333984375f}},
  };
  for (const auto& g : golden) {
    auto t = f.load(g.name);
    EXPECT_EQ(t.sizes().vec(), g.shape) << g.name;
    EXPECT_NEAR(t.to(torch::kFloat64).sum().item<double>(), g.sum, 1e-6 * std::abs(g.sum) + 1e-3) << g.name;
    auto flat = t.reshape(-1);
    const int64_t idx[] = {0, 1, 17, 31, 1000};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(flat[idx[i]].item<float>(), g.at[i]) << g.name << " " << idx[i];
  }
}

// --- corrupt files: every one must give subq::Error naming the file, never a crash ---

TEST(Gguf, EveryTruncationIsAnError) {
  test::TempDir dir;
  const std::string bytes = sample_writer().serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const auto p = write_bytes(dir, "t.gguf", bytes.substr(0, n));
    try {
      io::GgufFile f(p);
      // Only the padding after the last tensor's data is optional.
      uint64_t needed = 0;
      for (const auto& t : f.tensors()) needed = std::max(needed, f.data_offset() + t.offset + t.bytes);
      EXPECT_GE(n, needed) << "truncated to " << n << " of " << bytes.size() << " bytes was accepted";
      EXPECT_LT(needed, bytes.size());
    } catch (const Error& e) {
      ASSERT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
  }
}

TEST(Gguf, RejectsCorruptHeaders) {
  test::TempDir dir;
  const std::string good = sample_writer().serialize();
  auto expect_error = [&](const std::string& bytes, const std::string& fragment) {
    const auto p = write_bytes(dir, "bad.gguf", bytes);
    try {
      io::GgufFile f(p);
      ADD_FAILURE() << "accepted a file that should fail with: " << fragment;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    }
  };
  expect_error("GGML" + good.substr(4), "not a GGUF file");
  expect_error(patched<uint32_t>(good, 4, 1), "version 1");
  expect_error(patched<uint32_t>(good, 4, 0x03000000), "big-endian");
  expect_error(patched<uint64_t>(good, 8, 1ull << 40), "tensor count");
  expect_error(patched<uint64_t>(good, 16, ~0ull), "metadata count");
  // Key "str": its string length, then absurd.
  const size_t str_len = find(good, "str") + 3 + 4;  // key, value type, then the uint64 length
  expect_error(patched<uint64_t>(good, str_len, ~0ull >> 1), "claims");
  // The value type of "u8" -> 13 (unknown).
  expect_error(patched<uint32_t>(good, find(good, "u8") + 2, 13), "unknown metadata value type");
  // The bool -> 7 (neither 0 nor 1).
  expect_error(patched<uint8_t>(good, find(good, "bool") + 4 + 4, 7), "neither 0 nor 1");
  // The "strs" array length -> absurd.
  expect_error(patched<uint64_t>(good, find(good, "strs") + 4 + 4 + 4, 1ull << 62), "does not fit");
  // Duplicate key: rename "i8" to "u8".
  std::string dup = good;
  dup[find(good, "i8")] = 'u';
  expect_error(dup, "appears twice");
  // Tensor infos: n_dims, dims, type, offset.
  const size_t info = tensor_info_pos(good, "f32.weight");
  expect_error(patched<uint32_t>(good, info, 5), "5 dimensions");
  expect_error(patched<uint32_t>(good, info, 0), "0 dimensions");
  expect_error(patched<uint64_t>(good, info + 4, 1ull << 50), "absurd or overflowing");
  expect_error(patched<uint64_t>(patched<uint64_t>(good, info + 4, 1ull << 30), info + 12, 1ull << 30),
               "absurd or overflowing");
  expect_error(patched<uint64_t>(good, info + 4, 1ull << 20), "extends beyond the end");
  expect_error(patched<uint32_t>(good, info + 20, 77), "unknown ggml type 77");
  expect_error(patched<uint64_t>(good, info + 24, 1ull << 40), "extends beyond the end");
  expect_error(patched<uint64_t>(good, info + 24, 4), "not a multiple of the alignment");
  const size_t q8 = tensor_info_pos(good, "q8.weight");
  expect_error(patched<uint64_t>(good, q8 + 4, 31), "whole number");
  std::string dup_tensor = good;
  dup_tensor.replace(find(good, "f16.weight"), 3, "f32");
  expect_error(dup_tensor, "appears twice");
}

TEST(Gguf, RejectsBadAlignmentAndDeepNesting) {
  test::TempDir dir;
  io::GgufWriter w;
  w.set("general.alignment", GgufValue::uint(Type::UINT32, 48));
  EXPECT_THROW(io::GgufFile(write_bytes(dir, "a.gguf", w.serialize())), Error);
  io::GgufWriter w2;
  w2.set("general.alignment", GgufValue::string("32"));
  EXPECT_THROW(io::GgufFile(write_bytes(dir, "b.gguf", w2.serialize())), Error);
  GgufValue v = GgufValue::array(Type::INT8, {});
  for (int i = 0; i < 20; ++i) v = GgufValue::array(Type::ARRAY, {v});
  io::GgufWriter w3;
  w3.set("deep", v);
  try {
    io::GgufFile f(write_bytes(dir, "c.gguf", w3.serialize()));
    ADD_FAILURE() << "deep nesting accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper"), std::string::npos) << e.what();
  }
}

TEST(Gguf, UnsupportedTypeParsesButDoesNotLoad) {
  test::TempDir dir;
  io::GgufWriter w;
  w.add_raw_tensor("k.weight", uint32_t(io::GgmlType::Q8_1), {64}, std::string(72, '\0'));
  io::GgufFile f(write_bytes(dir, "k.gguf", w.serialize()));
  EXPECT_EQ(f.find_tensor("k.weight")->bytes, 72u);
  EXPECT_THROW(f.load("k.weight"), Error);
}

TEST(Gguf, KQuantTensorLoadsAndATruncatedOneIsRefused) {
  test::TempDir dir;
  // Two rows of one Q6_K super-block: d = 1 (fp16 0x3C00 at byte 208), scales 1, quants 0
  // except the first low nibble of row 1, so the rows are -32 everywhere but one element.
  std::string row(210, '\0');
  for (int i = 192; i < 208; ++i) row[i] = 1;
  row[208] = 0x00;
  row[209] = 0x3C;
  std::string row1 = row;
  row1[0] = 5;
  io::GgufWriter w;
  w.add_raw_tensor("q.weight", uint32_t(io::GgmlType::Q6_K), {256, 2}, row + row1);
  const std::string bytes = w.serialize();
  io::GgufFile f(write_bytes(dir, "q.gguf", bytes));
  const auto t = f.load("q.weight");
  ASSERT_EQ(t.sizes().vec(), (std::vector<int64_t>{2, 256}));
  EXPECT_EQ(t[0][0].item<float>(), -32.0f);
  EXPECT_EQ(t[1][0].item<float>(), -27.0f);
  EXPECT_EQ(t[1][1].item<float>(), -32.0f);
  // Cut inside the second super-block: the error names the file, the tensor and its type.
  const auto cut = write_bytes(dir, "cut.gguf", bytes.substr(0, bytes.size() - 100));
  try {
    io::GgufFile bad(cut);
    ADD_FAILURE() << "truncated Q6_K tensor accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(cut.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("q.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Q6_K"), std::string::npos) << msg;
    EXPECT_NE(msg.find("beyond the end"), std::string::npos) << msg;
  }
}
