#include "subq/models/pcn/pcn_config.h"

#include "subq/util/error.h"

namespace subq::models::pcn {

nlohmann::json PcnConfig::to_json() const {
  return {{"model", "pcn"},        {"variant", variant},       {"input_dim", input_dim},
          {"num_classes", num_classes}, {"hidden", hidden},    {"cheb_layers", cheb_layers},
          {"order", order},        {"lambda_max", lambda_max}, {"knn_k", knn_k},
          {"knn_space", knn_space}, {"edge_k", edge_k},        {"max_particles", max_particles},
          {"node_features", node_features}, {"pooling", pooling}, {"head_hidden", head_hidden}};
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
    c.node_features = j.value("node_features", std::string("raw"));  // absent in older models
    c.pooling = j.value("pooling", std::string("mean"));
    c.head_hidden = j.value("head_hidden", int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    fail("PCN config is incomplete or malformed ({}): {}", e.what(), j.dump());
  }
  SUBQ_CHECK(c.variant == "gcnn" || c.variant == "dgcnn", "PCN variant '{}' (use gcnn or dgcnn)",
             c.variant);
  SUBQ_CHECK(c.node_features == "raw" || c.node_features == "kin",
             "PCN node features '{}' (use raw or kin)", c.node_features);
  SUBQ_CHECK(c.pooling == "mean" || c.pooling == "mean_max", "PCN pooling '{}' (use mean or mean_max)",
             c.pooling);
  SUBQ_CHECK(c.head_hidden >= 0, "PCN head_hidden must be >= 0, got {}", c.head_hidden);
  return c;
}

}  // namespace subq::models::pcn
