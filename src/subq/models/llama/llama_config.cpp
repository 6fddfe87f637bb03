#include "subq/models/llama/llama_config.h"

#include "subq/io/gguf.h"
#include "subq/util/error.h"

namespace subq::models {

namespace {

nlohmann::json attention_to_json(const nn::AttentionConfig& a) {
  return {{"kind", a.kind},           {"window_kind", a.window_kind}, {"window", a.window},
          {"feature_map", a.feature_map}, {"feature_dim", a.feature_dim}};
}

nn::AttentionConfig attention_from_json(const nlohmann::json& j) {
  nn::AttentionConfig a;
  a.kind = j.value("kind", a.kind);
  a.window_kind = j.value("window_kind", a.window_kind);
  a.window = j.value("window", a.window);
  a.feature_map = j.value("feature_map", a.feature_map);
  a.feature_dim = j.value("feature_dim", a.feature_dim);
  return a;
}

}  // namespace

void LlamaConfig::default_attention() {
  if (attention.empty()) attention.assign(n_layers, nn::AttentionConfig{});
}

LlamaConfig LlamaConfig::from_gguf(const io::GgufFile& gguf) {
  const auto arch = gguf.get("general.architecture").as_string();
  SUBQ_CHECK(arch == "llama", "{}: architecture '{}' is not a Llama-family model", gguf.path(), arch);
  auto key = [&](const std::string& k) { return "llama." + k; };
  LlamaConfig c;
  c.dim = gguf.get(key("embedding_length")).as_int();
  c.hidden_dim = gguf.get(key("feed_forward_length")).as_int();
  c.n_layers = gguf.get(key("block_count")).as_int();
  c.n_heads = gguf.get(key("attention.head_count")).as_int();
  c.n_kv_heads = gguf.has(key("attention.head_count_kv"))
                     ? gguf.get(key("attention.head_count_kv")).as_int()
                     : c.n_heads;
  c.head_dim = gguf.has(key("rope.dimension_count")) ? gguf.get(key("rope.dimension_count")).as_int()
                                                     : c.dim / std::max<int64_t>(c.n_heads, 1);
  c.max_seq_len = gguf.has(key("context_length")) ? gguf.get(key("context_length")).as_int() : 2048;
  if (gguf.has(key("rope.freq_base"))) c.rope_theta = gguf.get(key("rope.freq_base")).as_float();
  if (gguf.has(key("attention.layer_norm_rms_epsilon")))
    c.norm_eps = gguf.get(key("attention.layer_norm_rms_epsilon")).as_float();
  // llama.cpp's converter stores q/k rows permuted for interleaved pairs.
  c.rope_style = nn::RopeStyle::Interleaved;
  const auto* embd = gguf.find_tensor("token_embd.weight");
  SUBQ_CHECK(embd != nullptr, "{}: no tensor 'token_embd.weight'", gguf.path());
  c.vocab_size = embd->shape().at(0);
  if (gguf.has(key("vocab_size"))) {
    const auto declared = gguf.get(key("vocab_size")).as_int();
    SUBQ_CHECK(declared == c.vocab_size, "{}: llama.vocab_size is {} but token_embd.weight has {} rows",
               gguf.path(), declared, c.vocab_size);
  }
  c.tied_output = gguf.find_tensor("output.weight") == nullptr;
  c.default_attention();
  c.validate(gguf.path());
  return c;
}

LlamaConfig LlamaConfig::from_llama2c_header(const int32_t h[7]) {
  LlamaConfig c;
  c.dim = h[0];
  c.hidden_dim = h[1];
  c.n_layers = h[2];
  c.n_heads = h[3];
  c.n_kv_heads = h[4];
  c.vocab_size = std::abs(h[5]);
  c.tied_output = h[5] > 0;
  c.max_seq_len = h[6];
  c.head_dim = c.n_heads > 0 ? c.dim / c.n_heads : 0;
  c.rope_theta = 10000.0;  // llama2.c's fixed values
  c.norm_eps = 1e-5;
  c.rope_style = nn::RopeStyle::Interleaved;
  c.default_attention();
  return c;
}

LlamaConfig LlamaConfig::from_hf_json(const nlohmann::json& j) {
  auto need = [&](const char* k) {
    SUBQ_CHECK(j.contains(k), "config.json has no '{}'", k);
    return j.at(k).get<int64_t>();
  };
  LlamaConfig c;
  c.dim = need("hidden_size");
  c.hidden_dim = need("intermediate_size");
  c.n_layers = need("num_hidden_layers");
  c.n_heads = need("num_attention_heads");
  c.n_kv_heads = j.value("num_key_value_heads", c.n_heads);
  c.head_dim = j.value("head_dim", c.dim / std::max<int64_t>(c.n_heads, 1));
  c.vocab_size = need("vocab_size");
  c.max_seq_len = j.value("max_position_embeddings", int64_t{2048});
  c.rope_theta = j.value("rope_theta", 10000.0);
  c.norm_eps = j.value("rms_norm_eps", 1e-5);
  c.tied_output = j.value("tie_word_embeddings", false);
  // transformers stores q/k rows for rotate-half RoPE, but the loader reorders them into
  // GGUF's interleaved layout (io::hf_llama_to_gguf), so the model uses interleaved pairs.
  c.rope_style = nn::RopeStyle::Interleaved;
  c.default_attention();
  return c;
}

nlohmann::json LlamaConfig::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& a : attention) layers.push_back(attention_to_json(a));
  return {{"architecture", "llama"}, {"dim", dim}, {"hidden_dim", hidden_dim},
          {"n_layers", n_layers},    {"n_heads", n_heads}, {"n_kv_heads", n_kv_heads},
          {"head_dim", head_dim},    {"vocab_size", vocab_size}, {"max_seq_len", max_seq_len},
          {"rope_theta", rope_theta}, {"norm_eps", norm_eps},
          {"rope_style", nn::rope_style_name(rope_style)}, {"tied_output", tied_output},
          {"attention", layers}};
}

nlohmann::json LlamaConfig::to_hf_json() const {
  return {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"},
          {"hidden_size", dim},           {"intermediate_size", hidden_dim},
          {"num_hidden_layers", n_layers}, {"num_attention_heads", n_heads},
          {"num_key_value_heads", n_kv_heads}, {"head_dim", head_dim},
          {"vocab_size", vocab_size},     {"max_position_embeddings", max_seq_len},
          {"rope_theta", rope_theta},     {"rms_norm_eps", norm_eps},
          {"tie_word_embeddings", tied_output}, {"hidden_act", "silu"},
          {"torch_dtype", "float32"}};
}

LlamaConfig LlamaConfig::from_json(const nlohmann::json& j) {
  LlamaConfig c;
  try {
    c.dim = j.at("dim");
    c.hidden_dim = j.at("hidden_dim");
    c.n_layers = j.at("n_layers");
    c.n_heads = j.at("n_heads");
    c.n_kv_heads = j.at("n_kv_heads");
    c.head_dim = j.at("head_dim");
    c.vocab_size = j.at("vocab_size");
    c.max_seq_len = j.at("max_seq_len");
    c.rope_theta = j.at("rope_theta");
    c.norm_eps = j.at("norm_eps");
    c.rope_style = nn::parse_rope_style(j.at("rope_style"));
    c.tied_output = j.at("tied_output");
    for (const auto& a : j.value("attention", nlohmann::json::array()))
      c.attention.push_back(attention_from_json(a));
  } catch (const nlohmann::json::exception& e) {
    fail("Llama config JSON: {}", e.what());
  }
  c.default_attention();
  return c;
}

void LlamaConfig::validate(const std::string& source) const {
  SUBQ_CHECK(dim > 0 && hidden_dim > 0 && n_layers > 0 && n_heads > 0 && n_kv_heads > 0 &&
                 head_dim > 0 && vocab_size > 0,
             "{}: invalid Llama sizes (dim {}, hidden {}, layers {}, heads {}, kv heads {}, head dim {}, "
             "vocab {})",
             source, dim, hidden_dim, n_layers, n_heads, n_kv_heads, head_dim, vocab_size);
  SUBQ_CHECK(n_heads % n_kv_heads == 0, "{}: {} heads is not a multiple of {} kv heads", source,
             n_heads, n_kv_heads);
  SUBQ_CHECK(head_dim % 2 == 0, "{}: head dim {} must be even for RoPE", source, head_dim);
  SUBQ_CHECK(static_cast<int64_t>(attention.size()) == n_layers,
             "{}: {} per-layer attention configs for {} layers", source, attention.size(), n_layers);
  SUBQ_CHECK(norm_eps > 0 && rope_theta > 0, "{}: invalid norm eps {} or RoPE theta {}", source,
             norm_eps, rope_theta);
}

}  // namespace subq::models
