// llama2.c checkpoints (karpathy/llama2.c "legacy" export, as run.c reads them): a header of
// 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative
// vocab_size means the classifier is stored separately), then float32 weights in the order
// token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real,
// freq_cis_imag (skipped), [wcls].
//
// Tensors come back under the GGUF llama names and shapes (token_embd.weight [vocab, dim],
// blk.N.attn_q.weight [n_heads*head_dim, dim], ..., output.weight only when separate), so one
// model loader serves GGUF, llama2.c and Hugging Face checkpoints. Convention: q/k rows are
// in llama2.c's (= Meta's, = GGUF's) order, where RoPE rotates interleaved pairs
// (2i, 2i+1) of each head; llama.cpp's llama2.c converter copies them unchanged, which
// tests/io/llama2c_test.cpp checks against stories260K.gguf. See docs/formats.md.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "subq/io/safetensors.h"

namespace subq::io {

struct Llama2cConfig {
  int32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0;
  int32_t vocab_size = 0;  // always positive here
  int32_t seq_len = 0;
  bool shared_classifier = true;  // output projection tied to the token embedding
  int32_t head_dim() const { return dim / n_heads; }
};

struct Llama2cCheckpoint {
  Llama2cConfig config;
  TensorMap tensors;  // GGUF names, float32, copied out of the file
};

// Throws subq::Error naming the file for implausible headers and size mismatches.
Llama2cCheckpoint load_llama2c(const std::filesystem::path& path);

}  // namespace subq::io
