// Llama 1/2/3.x (and TinyLlama, SmolLM, llama2.c-trained models): the decoder's default layout.
// What this family adds is RoPE scaling: Hugging Face `rope_scaling` {rope_type linear|llama3}
// and, in GGUF, `llama.rope.scaling.*` keys and the `rope_freqs.weight` divisors.
#include <fmt/format.h>

#include "subq/io/gguf.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

namespace {

// Keys of other architectures' math that a config of the Llama layout must not carry.
void refuse_foreign_math(const nlohmann::json& j, const std::string& file) {
  refuse_key(j, "attn_logit_softcapping", file, "attention soft-capping");
  refuse_key(j, "final_logit_softcapping", file, "logit soft-capping");
  refuse_key(j, "partial_rotary_factor", file, "RoPE on part of each head", 1.0);
  refuse_key(j, "use_qk_norm", file, "normalised queries and keys");
  refuse_key(j, "qk_layernorm", file, "normalised queries and keys");
  if (j.contains("hidden_act"))
    SUBQ_CHECK(j["hidden_act"] == "silu", "{}: 'hidden_act' = {} is not implemented by subq (SwiGLU uses silu)",
               file, j["hidden_act"].dump());
}

nn::RopeScaling rope_scaling_from_hf(const nlohmann::json& j, const std::string& file) {
  nn::RopeScaling r;
  if (!j.contains("rope_scaling") || j["rope_scaling"].is_null()) return r;
  const auto& s = j["rope_scaling"];
  SUBQ_CHECK(s.is_object(), "{}: 'rope_scaling' is not an object", file);
  // transformers accepts both spellings; rope_type is the current one.
  const std::string type = s.value("rope_type", s.value("type", std::string("default")));
  if (type == "default") return r;
  SUBQ_CHECK(type == "linear" || type == "llama3",
             "{}: rope_scaling.rope_type '{}' is not implemented by subq (known: default, linear, llama3)",
             file, type);
  r.type = type;
  SUBQ_CHECK(s.contains("factor") && s["factor"].is_number(), "{}: rope_scaling has no numeric 'factor'", file);
  r.factor = s["factor"].get<double>();
  if (type == "llama3") {
    for (const char* k : {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"})
      SUBQ_CHECK(s.contains(k) && s[k].is_number(), "{}: llama3 rope_scaling has no numeric '{}'", file, k);
    r.low_freq_factor = s["low_freq_factor"].get<double>();
    r.high_freq_factor = s["high_freq_factor"].get<double>();
    r.original_max_positions = s["original_max_position_embeddings"].get<int64_t>();
  }
  r.validate(file);
  return r;
}

nlohmann::json rope_scaling_to_hf(const nn::RopeScaling& r) {
  if (r.type == "none") return nullptr;
  nlohmann::json s = {{"rope_type", r.type}, {"factor", r.factor}};
  if (r.type == "llama3") {
    s["low_freq_factor"] = r.low_freq_factor;
    s["high_freq_factor"] = r.high_freq_factor;
    s["original_max_position_embeddings"] = r.original_max_positions;
  }
  return s;
}

// llama.cpp keeps a Llama 3 model's scaling as divisors of each frequency (rope_freqs.weight)
// and older linear scaling as llama.rope.scaling.{type,factor}.
nn::RopeScaling rope_scaling_from_gguf(const io::GgufFile& gguf, const std::string& arch) {
  nn::RopeScaling r;
  const auto type_key = arch + ".rope.scaling.type";
  if (gguf.has(type_key)) {
    const auto type = gguf.get(type_key).as_string();
    SUBQ_CHECK(type == "none" || type == "linear",
               "{}: '{}' = '{}' is not implemented by subq (known: none, linear)", gguf.path(), type_key, type);
    if (type == "linear") {
      SUBQ_CHECK(gguf.has(arch + ".rope.scaling.factor"), "{}: linear RoPE scaling without '{}'", gguf.path(),
                 arch + ".rope.scaling.factor");
      r.type = "linear";
      r.factor = gguf.get(arch + ".rope.scaling.factor").as_float();
    }
  }
  if (gguf.find_tensor("rope_freqs.weight")) {
    const auto factors = gguf.load("rope_freqs.weight").to(torch::kFloat64).contiguous();
    r.freq_factors.assign(factors.data_ptr<double>(), factors.data_ptr<double>() + factors.numel());
  }
  r.validate(gguf.path());
  return r;
}

}  // namespace

LlamaConfig llama_layout_from_hf(const nlohmann::json& j, const std::string& file) {
  refuse_foreign_math(j, file);
  LlamaConfig c;
  c.dim = required_int(j, "hidden_size", file);
  c.hidden_dim = required_int(j, "intermediate_size", file);
  c.n_layers = required_int(j, "num_hidden_layers", file);
  c.n_heads = required_int(j, "num_attention_heads", file);
  c.n_kv_heads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                     ? required_int(j, "num_key_value_heads", file)
                     : c.n_heads;
  c.head_dim = j.contains("head_dim") && !j["head_dim"].is_null() ? required_int(j, "head_dim", file)
                                                                  : c.dim / std::max<int64_t>(c.n_heads, 1);
  c.vocab_size = required_int(j, "vocab_size", file);
  c.max_seq_len = j.value("max_position_embeddings", int64_t{2048});
  c.rope_theta = j.value("rope_theta", 10000.0);
  c.norm_eps = j.value("rms_norm_eps", 1e-5);
  c.tied_output = j.value("tie_word_embeddings", false);
  c.rope_scaling = rope_scaling_from_hf(j, file);
  // transformers stores q/k rows for rotate-half RoPE, but the loader reorders them into
  // GGUF's interleaved layout (io::hf_llama_to_gguf), so the model uses interleaved pairs.
  c.rope_style = nn::RopeStyle::Interleaved;
  return c;
}

LlamaConfig llama_layout_from_gguf(const io::GgufFile& gguf, const std::string& arch) {
  auto key = [&](const std::string& k) { return arch + "." + k; };
  auto need = [&](const std::string& k) {
    SUBQ_CHECK(gguf.has(key(k)), "{}: no '{}' key", gguf.path(), key(k));
    return gguf.get(key(k)).as_int();
  };
  LlamaConfig c;
  c.dim = need("embedding_length");
  c.hidden_dim = need("feed_forward_length");
  c.n_layers = need("block_count");
  c.n_heads = need("attention.head_count");
  c.n_kv_heads = gguf.has(key("attention.head_count_kv")) ? need("attention.head_count_kv") : c.n_heads;
  c.head_dim = gguf.has(key("rope.dimension_count")) ? need("rope.dimension_count")
                                                     : c.dim / std::max<int64_t>(c.n_heads, 1);
  c.max_seq_len = gguf.has(key("context_length")) ? need("context_length") : 2048;
  if (gguf.has(key("rope.freq_base"))) c.rope_theta = gguf.get(key("rope.freq_base")).as_float();
  if (gguf.has(key("attention.layer_norm_rms_epsilon")))
    c.norm_eps = gguf.get(key("attention.layer_norm_rms_epsilon")).as_float();
  SUBQ_CHECK(!gguf.has(key("attn_logit_softcapping")) && !gguf.has(key("final_logit_softcapping")),
             "{}: soft-capping keys are not implemented by subq", gguf.path());
  c.rope_scaling = rope_scaling_from_gguf(gguf, arch);
  const auto* embd = gguf.find_tensor("token_embd.weight");
  SUBQ_CHECK(embd != nullptr, "{}: no tensor 'token_embd.weight'", gguf.path());
  c.vocab_size = embd->shape().at(0);
  if (gguf.has(key("vocab_size"))) {
    const auto declared = need("vocab_size");
    SUBQ_CHECK(declared == c.vocab_size, "{}: {} is {} but token_embd.weight has {} rows", gguf.path(),
               key("vocab_size"), declared, c.vocab_size);
  }
  c.tied_output = gguf.find_tensor("output.weight") == nullptr;
  return c;
}

io::TensorMap llama_layout_tensors(const io::TensorMap& hf, const LlamaConfig& c) {
  return io::hf_llama_to_gguf(hf, {{"num_attention_heads", c.n_heads}, {"num_key_value_heads", c.n_kv_heads}});
}

nlohmann::json llama_layout_to_hf_json(const LlamaConfig& c, const std::string& model_type,
                                       const std::string& architecture) {
  nlohmann::json j = {{"architectures", {architecture}}, {"model_type", model_type},
                      {"hidden_size", c.dim},           {"intermediate_size", c.hidden_dim},
                      {"num_hidden_layers", c.n_layers}, {"num_attention_heads", c.n_heads},
                      {"num_key_value_heads", c.n_kv_heads}, {"head_dim", c.head_dim},
                      {"vocab_size", c.vocab_size},     {"max_position_embeddings", c.max_seq_len},
                      {"rope_theta", c.rope_theta},     {"rms_norm_eps", c.norm_eps},
                      {"tie_word_embeddings", c.tied_output}, {"hidden_act", "silu"},
                      {"rope_scaling", rope_scaling_to_hf(c.rope_scaling)},
                      {"torch_dtype", "float32"}};
  return j;
}

const DecoderFamily& llama_family() {
  static const DecoderFamily family{
      "llama",
      {"llama"},
      {"llama"},
      [](const nlohmann::json& j, const std::string& file) {
        auto c = llama_layout_from_hf(j, file);
        // Llama's attention_bias puts biases on q, k, v and o; mlp_bias on the three MLP ones.
        c.qkv_bias = c.out_bias = j.value("attention_bias", false);
        c.mlp_bias = j.value("mlp_bias", false);
        return c;
      },
      [](const io::GgufFile& gguf) {
        auto c = llama_layout_from_gguf(gguf, "llama");
        // llama.cpp's converter stores q/k rows permuted for interleaved pairs.
        c.rope_style = nn::RopeStyle::Interleaved;
        c.qkv_bias = gguf.find_tensor("blk.0.attn_q.bias") != nullptr;
        c.out_bias = gguf.find_tensor("blk.0.attn_output.bias") != nullptr;
        return c;
      },
      llama_layout_tensors,
      nullptr,
      [](const LlamaConfig& c) {
        auto j = llama_layout_to_hf_json(c, "llama", "LlamaForCausalLM");
        j["attention_bias"] = c.qkv_bias;
        j["mlp_bias"] = c.mlp_bias;
        return j;
      }};
  return family;
}

}  // namespace subq::models
