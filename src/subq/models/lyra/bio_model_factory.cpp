#include "subq/models/lyra/bio_model_factory.h"

#include "subq/models/lyra/cnn_baseline.h"
#include "subq/models/lyra/lyra.h"
#include "subq/models/lyra/transformer_baseline.h"
#include "subq/util/error.h"

namespace subq::models {

std::shared_ptr<BioSequenceModel> make_bio_model_from_config(const std::string& kind,
                                                             const nlohmann::json& config) {
  if (kind == "lyra") return std::make_shared<Lyra>(LyraConfig::from_json(config));
  if (kind == "cnn") return std::make_shared<CnnBaseline>(CnnConfig::from_json(config));
  if (kind == "transformer") return std::make_shared<TransformerBaseline>(TransformerConfig::from_json(config));
  fail("unknown bio model '{}' (expected lyra, cnn or transformer)", kind);
}

std::shared_ptr<BioSequenceModel> make_bio_model(const std::string& kind, int64_t inputs,
                                                 int64_t outputs, const nlohmann::json& config) {
  nlohmann::json merged = config.is_null() ? nlohmann::json::object() : config;
  SUBQ_CHECK(merged.is_object(), "bio model config must be a JSON object");
  merged["inputs"] = inputs;
  merged["outputs"] = outputs;
  return make_bio_model_from_config(kind, merged);
}

}  // namespace subq::models
