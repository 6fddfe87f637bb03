// Qwen2 / Qwen2.5: the Llama layout with biases on the q, k and v projections (o has none),
// usually tied embeddings and no BOS token. In GGUF (architecture "qwen2") llama.cpp keeps the
// q/k rows in Hugging Face's rotate-half order (NEOX RoPE) instead of permuting them as for
// Llama; the loader permutes them here so that one RoPE pairing serves every family.
#include "subq/io/gguf.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

const DecoderFamily& qwen2_family() {
  static const DecoderFamily family{
      "qwen2",
      {"qwen2"},
      {"qwen2"},
      [](const nlohmann::json& j, const std::string& file) {
        // Qwen2's window applies only to the layers from max_window_layers on; no released
        // Qwen2.5 model turns it on, and subq does not implement the per-layer rule.
        refuse_key(j, "use_sliding_window", file, "Qwen2's per-layer sliding window");
        auto c = llama_layout_from_hf(j, file);
        c.qkv_bias = true;
        return c;
      },
      [](const io::GgufFile& gguf) {
        auto c = llama_layout_from_gguf(gguf, "qwen2");
        c.qkv_bias = true;
        return c;
      },
      llama_layout_tensors,
      [](const std::string& name, const torch::Tensor& t, const LlamaConfig& c) {
        const bool q = name.find(".attn_q.") != std::string::npos, k = name.find(".attn_k.") != std::string::npos;
        if (!q && !k) return t;
        return io::rope_rows_hf_to_interleaved(t, q ? c.n_heads : c.n_kv_heads);
      },
      [](const LlamaConfig& c) {
        auto j = llama_layout_to_hf_json(c, "qwen2", "Qwen2ForCausalLM");
        j["use_sliding_window"] = false;
        return j;
      }};
  return family;
}

}  // namespace subq::models
