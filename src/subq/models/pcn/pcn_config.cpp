#include "subq/models/pcn/pcn_config.h"

#include "subq/util/error.h"

namespace subq::models::pcn {

nlohmann::json PcnConfig::to_json() const {
  return {{"model", "pcn"},        {"variant", variant},       {"input_dim", input_dim},
          {"num_classes", num_classes}, {"hidden", hidden},    {"cheb_layers", cheb_layers},
          {"order", order},        {"lambda_max", lambda_max}, {"knn_k", knn_k},
          {"knn_space", knn_space}, {"edge_k", edge_k},        {"max_particles", max_particles}};
}

PcnConfig PcnConfig::from_json(const nlohmann::json& j) {
  SUBQ_CHECK(j.value("model", "") == "pcn", "model config is not a PCN config: {}", j.dump());
  PcnConfig c;
  try {
    c.variant = j.at("variant");
    c.input_dim = j.at("input_dim");
    c.num_classes = j.at("num_classes");
    c.hidden = j.at("hidden");
    c.cheb_layers = j.at("cheb_layers");
    c.order = j.at("order");
    c.lambda_max = j.at("lambda_max");
    c.knn_k = j.at("knn_k");
    c.knn_space = j.at("knn_space");
    c.edge_k = j.at("edge_k");
    c.max_particles = j.value("max_particles", int64_t{128});
  } catch (const nlohmann::json::exception& e) {
    fail("PCN config is incomplete or malformed ({}): {}", e.what(), j.dump());
  }
  SUBQ_CHECK(c.variant == "gcnn" || c.variant == "dgcnn", "PCN variant '{}' (use gcnn or dgcnn)",
             c.variant);
  return c;
}

}  // namespace subq::models::pcn
