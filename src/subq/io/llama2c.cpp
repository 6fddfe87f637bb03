#include "subq/io/llama2c.h"

#include <climits>
#include <cstdlib>
#include <cstring>

#include "subq/io/mapped_file.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

constexpr int32_t kMaxDimension = 1 << 20;  // far above any llama2.c model; stops overflow games

Llama2cConfig read_header(const MappedFile& file) {
  const std::string& p = file.path();
  SUBQ_CHECK(file.size() >= 28, "{}: too short for a llama2.c checkpoint ({} bytes, header needs 28)",
             p, file.size());
  int32_t h[7];
  std::memcpy(h, file.data(), sizeof(h));
  SUBQ_CHECK(uint32_t(h[0]) != 0x616b3432u,
             "{}: this is llama2.c's versioned export (magic \"ak42\"); only the legacy format "
             "(export.py --version 0) is supported", p);
  Llama2cConfig c;
  c.dim = h[0], c.hidden_dim = h[1], c.n_layers = h[2], c.n_heads = h[3], c.n_kv_heads = h[4];
  c.shared_classifier = h[5] > 0;
  c.vocab_size = h[5] == INT32_MIN ? 0 : std::abs(h[5]);
  c.seq_len = h[6];
  const char* names[] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
  const int32_t values[] = {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
  for (int i = 0; i < 7; ++i)
    SUBQ_CHECK(values[i] > 0 && values[i] <= kMaxDimension,
               "{}: header field {} = {} is not plausible (not a llama2.c checkpoint?)", p, names[i], values[i]);
  SUBQ_CHECK(c.dim % c.n_heads == 0, "{}: dim {} is not divisible by n_heads {}", p, c.dim, c.n_heads);
  SUBQ_CHECK(c.n_kv_heads <= c.n_heads && c.n_heads % c.n_kv_heads == 0,
             "{}: n_heads {} is not a multiple of n_kv_heads {}", p, c.n_heads, c.n_kv_heads);
  SUBQ_CHECK(c.head_dim() % 2 == 0, "{}: head dimension {} is odd (RoPE needs pairs)", p, c.head_dim());
  return c;
}

// Hands out consecutive float32 tensors from the weights section.
class WeightCursor {
 public:
  WeightCursor(const MappedFile& file, uint64_t floats_needed) : file_(file), pos_(28) {
    const uint64_t have = (file.size() - 28) / 4;
    SUBQ_CHECK(floats_needed <= have,
               "{}: truncated: the header implies {} float32 weights ({} bytes) but the file holds {}",
               file.path(), floats_needed, 28 + floats_needed * 4, file.size());
  }
  torch::Tensor take(std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    auto t = torch::empty(shape, torch::kFloat32);
    std::memcpy(t.data_ptr<float>(), file_.data() + pos_, uint64_t(n) * 4);
    pos_ += uint64_t(n) * 4;
    return t;
  }
  void skip(uint64_t floats) { pos_ += floats * 4; }
  uint64_t position() const { return pos_; }

 private:
  const MappedFile& file_;
  uint64_t pos_;
};

}  // namespace

Llama2cCheckpoint load_llama2c(const std::filesystem::path& path) {
  MappedFile file(path);
  Llama2cCheckpoint ck;
  Llama2cConfig& c = ck.config = read_header(file);
  const int64_t dim = c.dim, hidden = c.hidden_dim, layers = c.n_layers, vocab = c.vocab_size;
  const int64_t q_rows = int64_t(c.n_heads) * c.head_dim(), kv_rows = int64_t(c.n_kv_heads) * c.head_dim();
  const int64_t rope_table = int64_t(c.seq_len) * c.head_dim() / 2;
  // All factors are <= 2^20, so these 64-bit products cannot overflow.
  const uint64_t per_layer = uint64_t(2 * dim + q_rows * dim + 2 * kv_rows * dim + dim * q_rows + 3 * dim * hidden);
  const uint64_t total = uint64_t(vocab * dim) + uint64_t(layers) * per_layer + uint64_t(dim) +
                         uint64_t(2 * rope_table) + (c.shared_classifier ? 0 : uint64_t(vocab * dim));
  WeightCursor w(file, total);

  auto per_layer_tensors = [&](const char* name, std::vector<int64_t> shape) {
    for (int64_t l = 0; l < layers; ++l) ck.tensors[fmt::format("blk.{}.{}.weight", l, name)] = w.take(shape);
  };
  ck.tensors["token_embd.weight"] = w.take({vocab, dim});
  per_layer_tensors("attn_norm", {dim});
  per_layer_tensors("attn_q", {q_rows, dim});
  per_layer_tensors("attn_k", {kv_rows, dim});
  per_layer_tensors("attn_v", {kv_rows, dim});
  per_layer_tensors("attn_output", {dim, q_rows});
  per_layer_tensors("ffn_norm", {dim});
  per_layer_tensors("ffn_gate", {hidden, dim});  // w1
  per_layer_tensors("ffn_down", {dim, hidden});  // w2
  per_layer_tensors("ffn_up", {hidden, dim});    // w3
  ck.tensors["output_norm.weight"] = w.take({dim});
  w.skip(2 * rope_table);  // freq_cis_real, freq_cis_imag: RoPE tables, recomputed by models
  if (!c.shared_classifier) ck.tensors["output.weight"] = w.take({vocab, dim});
  SUBQ_CHECK(w.position() == file.size(),
             "{}: {} unexpected bytes after the weights the header describes (wrong format?)",
             file.path(), file.size() - w.position());
  return ck;
}

}  // namespace subq::io
