#include "subq/models/mamba/mamba_config.h"

#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

MambaConfig MambaConfig::from_hf_json(const nlohmann::json& j, const std::string& file) {
  SUBQ_CHECK(j.value("model_type", std::string()) == "mamba", "{}: model_type '{}' is not Mamba", file,
             j.value("model_type", std::string()));
  const std::string act = j.value("hidden_act", std::string("silu"));
  SUBQ_CHECK(act == "silu", "{}: 'hidden_act' = '{}' is not implemented by subq for Mamba (known: silu)", file, act);
  MambaConfig c;
  c.dim = required_int(j, "hidden_size", file);
  c.inner = j.contains("intermediate_size") ? required_int(j, "intermediate_size", file)
                                             : j.value("expand", int64_t{2}) * c.dim;
  c.n_layers = required_int(j, "num_hidden_layers", file);
  c.state = j.value("state_size", c.state);
  c.conv_kernel = j.value("conv_kernel", c.conv_kernel);
  // "auto" in transformers means ceil(hidden_size / 16).
  c.dt_rank = j.contains("time_step_rank") && j["time_step_rank"].is_number_integer()
                  ? j["time_step_rank"].get<int64_t>()
                  : (c.dim + 15) / 16;
  c.vocab_size = required_int(j, "vocab_size", file);
  c.norm_eps = j.value("layer_norm_epsilon", c.norm_eps);
  c.conv_bias = j.value("use_conv_bias", c.conv_bias);
  c.proj_bias = j.value("use_bias", c.proj_bias);
  c.tied_output = j.value("tie_word_embeddings", true);
  c.validate(file);
  return c;
}

nlohmann::json MambaConfig::to_json() const {
  return {{"family", "mamba"}, {"dim", dim}, {"inner", inner}, {"n_layers", n_layers}, {"state", state},
          {"conv_kernel", conv_kernel}, {"dt_rank", dt_rank}, {"vocab_size", vocab_size}, {"norm_eps", norm_eps},
          {"conv_bias", conv_bias}, {"proj_bias", proj_bias}, {"tied_output", tied_output}};
}

void MambaConfig::validate(const std::string& source) const {
  SUBQ_CHECK(dim > 0 && inner > 0 && n_layers > 0 && state > 0 && conv_kernel > 0 && dt_rank > 0 && vocab_size > 0,
             "{}: invalid Mamba sizes (hidden {}, inner {}, layers {}, state {}, kernel {}, dt rank {}, vocab {})",
             source, dim, inner, n_layers, state, conv_kernel, dt_rank, vocab_size);
  SUBQ_CHECK(norm_eps > 0, "{}: invalid layer_norm_epsilon {}", source, norm_eps);
}

}  // namespace subq::models
