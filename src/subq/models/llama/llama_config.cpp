#include "subq/models/llama/llama_config.h"

#include "subq/util/error.h"

// RoPE scaling in subq's config JSON: the struct's own field names, missing ones defaulted.
namespace subq::nn {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RopeScaling, type, factor, low_freq_factor, high_freq_factor,
                                                original_max_positions, freq_factors)
}  // namespace subq::nn

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

nlohmann::json LlamaConfig::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& a : attention) layers.push_back(attention_to_json(a));
  return {{"architecture", "llama"}, {"family", family}, {"dim", dim}, {"hidden_dim", hidden_dim},
          {"n_layers", n_layers},    {"n_heads", n_heads}, {"n_kv_heads", n_kv_heads},
          {"head_dim", head_dim},    {"vocab_size", vocab_size}, {"max_seq_len", max_seq_len},
          {"rope_theta", rope_theta}, {"norm_eps", norm_eps},
          {"rope_style", nn::rope_style_name(rope_style)}, {"tied_output", tied_output},
          {"rope_scaling", rope_scaling}, {"sliding_window", sliding_window},
          {"qkv_bias", qkv_bias}, {"out_bias", out_bias}, {"mlp_bias", mlp_bias},
          {"norm", norm}, {"mlp", mlp}, {"positions", positions},
          {"attention", layers}};
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
    // Keys added with the model families; checkpoints written before them are plain Llamas.
    c.family = j.value("family", c.family);
    if (j.contains("rope_scaling")) c.rope_scaling = j.at("rope_scaling").get<nn::RopeScaling>();
    c.sliding_window = j.value("sliding_window", c.sliding_window);
    c.qkv_bias = j.value("qkv_bias", c.qkv_bias);
    c.out_bias = j.value("out_bias", c.out_bias);
    c.mlp_bias = j.value("mlp_bias", c.mlp_bias);
    c.norm = j.value("norm", c.norm);
    c.mlp = j.value("mlp", c.mlp);
    c.positions = j.value("positions", c.positions);
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
  SUBQ_CHECK(sliding_window >= 0, "{}: sliding window {} must be >= 0", source, sliding_window);
  SUBQ_CHECK(norm == "rmsnorm" || norm == "layernorm", "{}: unknown norm '{}'", source, norm);
  SUBQ_CHECK(mlp == "swiglu" || mlp == "gelu_tanh", "{}: unknown feed-forward '{}'", source, mlp);
  SUBQ_CHECK(positions == "rope" || positions == "learned", "{}: unknown positions '{}'", source, positions);
  SUBQ_CHECK(positions != "learned" || max_seq_len > 0, "{}: learned positions need a context length",
             source);
  rope_scaling.validate(source);
}

}  // namespace subq::models
