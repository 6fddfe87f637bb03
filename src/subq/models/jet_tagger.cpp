#include "subq/models/jet_tagger.h"

#include "subq/models/part/particle_transformer.h"
#include "subq/models/pcn/pcn_model.h"
#include "subq/util/error.h"

namespace subq::models {

std::shared_ptr<JetTagger> make_jet_tagger(const nlohmann::json& config) {
  const std::string kind = config.value("model", "");
  if (kind == "part")
    return std::make_shared<part::ParticleTransformer>(part::ParticleTransformerConfig::from_json(config));
  if (kind == "pcn")
    return std::make_shared<pcn::ParticleChebyshevNetwork>(pcn::PcnConfig::from_json(config));
  fail("unknown jet model '{}' in config (known: part, pcn)", kind);
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(true)) n += p.numel();
  return n;
}

}  // namespace subq::models
