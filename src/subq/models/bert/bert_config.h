// BERT-style encoders (BERT, MiniLM / sentence-transformers checkpoints): the sizes and
// choices a Hugging Face config.json of model_type "bert" carries. Keys that change the math
// and that subq does not implement (relative position embeddings, another activation) are
// refused with an error naming the file and key.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace subq::models {

struct BertConfig {
  int64_t dim = 0;            // hidden_size
  int64_t hidden_dim = 0;     // intermediate_size
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t vocab_size = 0;
  int64_t max_positions = 0;  // max_position_embeddings
  int64_t type_vocab_size = 2;
  double norm_eps = 1e-12;
  std::string activation = "gelu";  // "gelu" (erf) | "gelu_new" (tanh)

  static BertConfig from_hf_json(const nlohmann::json& config, const std::string& file);
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;
  int64_t head_dim() const { return dim / n_heads; }
};

}  // namespace subq::models
