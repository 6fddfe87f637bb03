// Mamba (Gu & Dao 2023) language models as Hugging Face saves them (model_type "mamba"):
// the sizes of the selective state-space mixer. Keys that change the math and that subq does
// not implement are refused with an error naming the file and key.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace subq::models {

struct MambaConfig {
  int64_t dim = 0;         // hidden_size
  int64_t inner = 0;       // intermediate_size (expand * hidden_size)
  int64_t n_layers = 0;
  int64_t state = 16;      // state_size N
  int64_t conv_kernel = 4;
  int64_t dt_rank = 0;     // time_step_rank
  int64_t vocab_size = 0;
  double norm_eps = 1e-5;
  bool conv_bias = true;
  bool proj_bias = false;  // use_bias: in_proj / out_proj biases
  bool tied_output = true;

  static MambaConfig from_hf_json(const nlohmann::json& config, const std::string& file);
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;
};

}  // namespace subq::models
