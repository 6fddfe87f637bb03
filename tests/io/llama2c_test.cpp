#include "subq/io/llama2c.h"

#include <cstring>
#include <fstream>

#include "subq/io/gguf.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;

namespace {

std::filesystem::path write_bytes(const test::TempDir& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir / name, std::ios::binary) << bytes;
  return dir / name;
}

// A llama2.c file for a tiny model whose every float is its own index (so order errors show).
std::string tiny_checkpoint(int32_t vocab_size, size_t* n_floats) {
  const int32_t dim = 8, hidden = 12, layers = 2, heads = 2, kv_heads = 1, seq_len = 4;
  const int32_t head_dim = dim / heads, vocab = std::abs(vocab_size);
  size_t n = size_t(vocab) * dim +
             size_t(layers) * (2 * dim + dim * dim + 2 * kv_heads * head_dim * dim + dim * dim + 3 * dim * hidden) +
             dim + seq_len * head_dim + (vocab_size < 0 ? size_t(vocab) * dim : 0);
  *n_floats = n;
  const int32_t header[7] = {dim, hidden, layers, heads, kv_heads, vocab_size, seq_len};
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  for (size_t i = 0; i < n; ++i) {
    const float v = float(i);
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  return bytes;
}

}  // namespace

TEST(Llama2c, TinyFileLayoutAndNames) {
  test::TempDir dir;
  size_t n = 0;
  auto ck = io::load_llama2c(write_bytes(dir, "tied.bin", tiny_checkpoint(16, &n)));
  EXPECT_EQ(ck.config.dim, 8);
  EXPECT_EQ(ck.config.vocab_size, 16);
  EXPECT_TRUE(ck.config.shared_classifier);
  EXPECT_EQ(ck.tensors.count("output.weight"), 0u);
  // Order: embedding (16*8 floats), rms_att (2*8), wq (2*8*8), wk (2*4*8), ...
  EXPECT_EQ(ck.tensors.at("token_embd.weight").sizes(), (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(ck.tensors.at("token_embd.weight")[1][0].item<float>(), 8.f);
  EXPECT_EQ(ck.tensors.at("blk.1.attn_norm.weight")[0].item<float>(), 128.f + 8);
  EXPECT_EQ(ck.tensors.at("blk.0.attn_q.weight")[0][0].item<float>(), 144.f);
  EXPECT_EQ(ck.tensors.at("blk.0.attn_k.weight").sizes(), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(ck.tensors.at("blk.0.attn_k.weight")[0][0].item<float>(), 144.f + 128);
  EXPECT_EQ(ck.tensors.at("blk.1.ffn_down.weight").sizes(), (std::vector<int64_t>{8, 12}));
  EXPECT_EQ(ck.tensors.size(), 2u + 9 * 2);

  auto sep = io::load_llama2c(write_bytes(dir, "sep.bin", tiny_checkpoint(-16, &n)));
  EXPECT_FALSE(sep.config.shared_classifier);
  EXPECT_EQ(sep.config.vocab_size, 16);
  // wcls is the last 16*8 floats of the file.
  EXPECT_EQ(sep.tensors.at("output.weight")[15][7].item<float>(), float(n - 1));
}

TEST(Llama2c, CorruptFiles) {
  test::TempDir dir;
  size_t n = 0;
  const std::string good = tiny_checkpoint(16, &n);
  auto expect_error = [&](const std::string& bytes, const std::string& fragment) {
    const auto p = write_bytes(dir, "bad.bin", bytes);
    try {
      io::load_llama2c(p);
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(good.substr(0, 20), "too short");
  expect_error(good.substr(0, good.size() - 4), "truncated");
  expect_error(good + "xxxx", "unexpected bytes");
  auto with_field = [&](int index, int32_t value) {
    std::string b = good;
    std::memcpy(b.data() + 4 * index, &value, 4);
    return b;
  };
  expect_error(with_field(0, 0), "dim = 0");
  expect_error(with_field(0, 1 << 30), "not plausible");
  expect_error(with_field(3, 3), "not divisible");
  expect_error(with_field(4, 2 + 1), "n_kv_heads");
  expect_error(with_field(5, INT32_MIN), "vocab_size");
  expect_error(with_field(0, 0x616b3432), "ak42");
}

TEST(Llama2c, Stories260KMatchesItsGgufWithoutRopePermutation) {
  SUBQ_REQUIRE_SHARED(bin, "models/stories260K/stories260K.bin");
  SUBQ_REQUIRE_SHARED(gguf_path, "models/stories260K/stories260K.gguf");
  auto ck = io::load_llama2c(bin);
  EXPECT_EQ(ck.config.dim, 64);
  EXPECT_EQ(ck.config.hidden_dim, 172);
  EXPECT_EQ(ck.config.n_layers, 5);
  EXPECT_EQ(ck.config.n_heads, 8);
  EXPECT_EQ(ck.config.n_kv_heads, 4);
  EXPECT_EQ(ck.config.vocab_size, 512);
  EXPECT_EQ(ck.config.seq_len, 512);
  EXPECT_TRUE(ck.config.shared_classifier);
  io::GgufFile gguf(gguf_path);
  // Every llama2.c tensor equals the GGUF tensor of the same name, bit for bit: llama.cpp's
  // llama2.c converter does not permute wq/wk, both use interleaved-pair RoPE.
  for (const auto& [name, tensor] : ck.tensors) {
    ASSERT_NE(gguf.find_tensor(name), nullptr) << name;
    EXPECT_TRUE(torch::equal(tensor, gguf.load(name))) << name;
  }
  // The GGUF stores the tied classifier explicitly; it equals the embedding.
  EXPECT_TRUE(torch::equal(gguf.load("output.weight"), ck.tensors.at("token_embd.weight")));
  EXPECT_EQ(ck.tensors.size() + 1, gguf.tensors().size());
}
