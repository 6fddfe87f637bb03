// GPT-2: learned absolute positions, LayerNorm with biases, a GELU (tanh) feed-forward,
// biases on every projection, tied output. Its checkpoints store the attention's q, k and v
// as one fused `c_attn` and every projection as a Conv1D, i.e. the weight transposed
// ([in, out]); the loader splits and transposes them into the decoder's separate q/k/v.
#include <regex>

#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

namespace {

LlamaConfig gpt2_from_hf(const nlohmann::json& j, const std::string& file) {
  const std::string act = j.value("activation_function", std::string("gelu_new"));
  SUBQ_CHECK(act == "gelu_new" || act == "gelu_pytorch_tanh",
             "{}: 'activation_function' = '{}' is not implemented by subq for GPT-2 (known: gelu_new)", file, act);
  refuse_key(j, "scale_attn_by_inverse_layer_idx", file, "per-layer attention scaling");
  if (j.contains("scale_attn_weights"))
    SUBQ_CHECK(j["scale_attn_weights"] == true, "{}: 'scale_attn_weights' = false is not implemented by subq",
               file);
  LlamaConfig c;
  c.dim = required_int(j, "n_embd", file);
  c.n_layers = required_int(j, "n_layer", file);
  c.n_heads = required_int(j, "n_head", file);
  c.n_kv_heads = c.n_heads;
  c.head_dim = c.dim / std::max<int64_t>(c.n_heads, 1);
  SUBQ_CHECK(c.head_dim * c.n_heads == c.dim, "{}: n_embd {} is not a multiple of n_head {}", file, c.dim,
             c.n_heads);
  c.hidden_dim = j.contains("n_inner") && !j["n_inner"].is_null() ? required_int(j, "n_inner", file) : 4 * c.dim;
  c.vocab_size = required_int(j, "vocab_size", file);
  c.max_seq_len = required_int(j, "n_positions", file);
  c.norm_eps = j.value("layer_norm_epsilon", 1e-5);
  c.tied_output = j.value("tie_word_embeddings", true);
  c.qkv_bias = c.out_bias = c.mlp_bias = true;
  c.norm = "layernorm";
  c.mlp = "gelu_tanh";
  c.positions = "learned";
  return c;
}

// Conv1D stores [in, out]; the decoder's linears hold [out, in].
torch::Tensor conv1d_weight(const torch::Tensor& w) { return w.t().contiguous(); }

io::TensorMap gpt2_tensors(const io::TensorMap& hf, const LlamaConfig& c) {
  static const std::regex layer(R"((?:transformer\.)?h\.(\d+)\.(.+))");
  io::TensorMap out;
  for (const auto& [full, t] : hf) {
    const std::string name = full.rfind("transformer.", 0) == 0 ? full.substr(12) : full;
    if (name == "wte.weight") out["token_embd.weight"] = t;
    else if (name == "wpe.weight") out["position_embd.weight"] = t;
    else if (name == "ln_f.weight") out["output_norm.weight"] = t;
    else if (name == "ln_f.bias") out["output_norm.bias"] = t;
    else if (name == "lm_head.weight") out["output.weight"] = t;
    std::smatch m;
    if (!std::regex_match(name, m, layer)) continue;
    const std::string blk = "blk." + m[1].str() + ".", part = m[2].str();
    if (part == "attn.c_attn.weight" || part == "attn.c_attn.bias") {
      const bool weight = part == "attn.c_attn.weight";
      const auto fused = weight ? conv1d_weight(t) : t;  // [3 * dim, dim] or [3 * dim]
      SUBQ_CHECK(fused.size(0) == 3 * c.dim, "GPT-2 tensor '{}' has {} rows, expected 3 x {}", full,
                 fused.size(0), c.dim);
      const auto qkv = fused.chunk(3, 0);
      const char* suffix = weight ? ".weight" : ".bias";
      out[blk + "attn_q" + suffix] = qkv[0].contiguous();
      out[blk + "attn_k" + suffix] = qkv[1].contiguous();
      out[blk + "attn_v" + suffix] = qkv[2].contiguous();
      continue;
    }
    static const std::pair<const char*, const char*> renames[] = {
        {"ln_1", "attn_norm"}, {"attn.c_proj", "attn_output"}, {"ln_2", "ffn_norm"},
        {"mlp.c_fc", "ffn_up"}, {"mlp.c_proj", "ffn_down"}};
    for (const auto& [hf_part, gguf_part] : renames) {
      const std::string p = hf_part;
      if (part == p + ".bias") out[blk + gguf_part + ".bias"] = t;
      if (part == p + ".weight")
        out[blk + gguf_part + ".weight"] = p.rfind("ln_", 0) == 0 ? t : conv1d_weight(t);
    }
  }
  return out;
}

nlohmann::json gpt2_to_hf_json(const LlamaConfig& c) {
  return {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"n_embd", c.dim},
          {"n_layer", c.n_layers}, {"n_head", c.n_heads}, {"n_inner", c.hidden_dim},
          {"vocab_size", c.vocab_size}, {"n_positions", c.max_seq_len},
          {"layer_norm_epsilon", c.norm_eps}, {"activation_function", "gelu_new"},
          {"tie_word_embeddings", c.tied_output}, {"torch_dtype", "float32"}};
}

}  // namespace

const DecoderFamily& gpt2_family() {
  static const DecoderFamily family{"gpt2", {"gpt2"}, {}, gpt2_from_hf, nullptr, gpt2_tensors, nullptr,
                                    gpt2_to_hf_json};
  return family;
}

}  // namespace subq::models
