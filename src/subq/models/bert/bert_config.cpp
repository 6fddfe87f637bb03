#include "subq/models/bert/bert_config.h"

#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

BertConfig BertConfig::from_hf_json(const nlohmann::json& j, const std::string& file) {
  SUBQ_CHECK(j.value("model_type", std::string("bert")) == "bert", "{}: model_type '{}' is not a BERT encoder",
             file, j.value("model_type", std::string()));
  const std::string positions = j.value("position_embedding_type", std::string("absolute"));
  SUBQ_CHECK(positions == "absolute",
             "{}: 'position_embedding_type' = '{}' is not implemented by subq (known: absolute)", file, positions);
  BertConfig c;
  c.dim = required_int(j, "hidden_size", file);
  c.hidden_dim = required_int(j, "intermediate_size", file);
  c.n_layers = required_int(j, "num_hidden_layers", file);
  c.n_heads = required_int(j, "num_attention_heads", file);
  c.vocab_size = required_int(j, "vocab_size", file);
  c.max_positions = required_int(j, "max_position_embeddings", file);
  c.type_vocab_size = j.value("type_vocab_size", c.type_vocab_size);
  c.norm_eps = j.value("layer_norm_eps", c.norm_eps);
  c.activation = j.value("hidden_act", c.activation);
  SUBQ_CHECK(c.activation == "gelu" || c.activation == "gelu_new",
             "{}: 'hidden_act' = '{}' is not implemented by subq for BERT (known: gelu, gelu_new)", file,
             c.activation);
  c.validate(file);
  return c;
}

nlohmann::json BertConfig::to_json() const {
  return {{"family", "bert"},       {"dim", dim},
          {"hidden_dim", hidden_dim}, {"n_layers", n_layers},
          {"n_heads", n_heads},     {"vocab_size", vocab_size},
          {"max_positions", max_positions}, {"type_vocab_size", type_vocab_size},
          {"norm_eps", norm_eps},   {"activation", activation}};
}

void BertConfig::validate(const std::string& source) const {
  SUBQ_CHECK(dim > 0 && hidden_dim > 0 && n_layers > 0 && n_heads > 0 && vocab_size > 0 && max_positions > 0 &&
                 type_vocab_size > 0,
             "{}: invalid BERT sizes (hidden {}, intermediate {}, layers {}, heads {}, vocab {}, positions {})",
             source, dim, hidden_dim, n_layers, n_heads, vocab_size, max_positions);
  SUBQ_CHECK(dim % n_heads == 0, "{}: hidden size {} is not a multiple of {} heads", source, dim, n_heads);
  SUBQ_CHECK(norm_eps > 0, "{}: invalid layer_norm_eps {}", source, norm_eps);
}

}  // namespace subq::models
