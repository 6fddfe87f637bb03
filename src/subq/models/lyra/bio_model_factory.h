// Builds a bio sequence model by kind ("lyra" | "cnn" | "transformer") from its config JSON,
// the same JSON a checkpoint carries, so a saved model rebuilds exactly.
#pragma once
#include <memory>
#include <string>

#include "subq/models/lyra/bio_model.h"

namespace subq::models {

// `config` may override any field of the kind's config struct; inputs/outputs always win.
std::shared_ptr<BioSequenceModel> make_bio_model(const std::string& kind, int64_t inputs,
                                                 int64_t outputs, const nlohmann::json& config = {});
// Rebuilds from a stored config (which names inputs and outputs itself).
std::shared_ptr<BioSequenceModel> make_bio_model_from_config(const std::string& kind,
                                                             const nlohmann::json& config);

}  // namespace subq::models
