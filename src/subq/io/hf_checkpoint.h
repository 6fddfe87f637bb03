// Hugging Face model directories: config.json plus model.safetensors, or shards listed in
// model.safetensors.index.json ("weight_map": tensor name -> shard file). Tensors keep their
// HF names; hf_llama_to_gguf renames a Llama checkpoint to the GGUF names used by the GGUF
// and llama2.c readers and reorders q/k rows into their RoPE convention.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "subq/io/safetensors.h"

namespace subq::io {

struct HfCheckpoint {
  nlohmann::json config;  // config.json
  TensorMap tensors;      // HF names; F16/BF16 converted to float32
};

// Throws subq::Error naming the file for missing/malformed config, index or shards.
HfCheckpoint load_hf_checkpoint(const std::filesystem::path& dir);

// config.json's "model_type" of a Hugging Face directory; "" when `path` is not a directory
// with a config.json or the key is absent (malformed JSON is an error naming the file).
std::string hf_model_type(const std::filesystem::path& path);

// "model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight"; "" for names with no
// GGUF counterpart (e.g. rotary_emb.inv_freq).
std::string hf_to_gguf_name(const std::string& hf_name);

// HF Llama q_proj/k_proj rows are permuted so RoPE rotates halves (i, i + d/2) of each head
// (transformers' convert_llama_weights_to_hf). GGUF and llama2.c keep Meta's order, where
// RoPE rotates interleaved pairs (2i, 2i+1). These convert a [n_heads*head_dim, in] weight
// between the two (the first is convert_hf_to_gguf.py's LlamaModel.permute).
torch::Tensor rope_rows_hf_to_interleaved(const torch::Tensor& w, int64_t n_heads);
torch::Tensor rope_rows_interleaved_to_hf(const torch::Tensor& w, int64_t n_heads);

// The inverse of hf_to_gguf_name for the tensors of a Llama model ("" when unknown).
std::string gguf_to_hf_name(const std::string& gguf_name);

// Renames GGUF-named Llama tensors to HF names and converts q/k rows back to rotate-half
// order; tensors without an HF name are an error (they would be lost silently).
TensorMap gguf_llama_to_hf(const TensorMap& gguf_tensors, int64_t n_heads, int64_t n_kv_heads);

// Renames every tensor with hf_to_gguf_name (dropping unmapped ones) and converts q/k rows
// with the head counts from config (num_attention_heads, num_key_value_heads).
TensorMap hf_llama_to_gguf(const TensorMap& hf_tensors, const nlohmann::json& config);

}  // namespace subq::io
