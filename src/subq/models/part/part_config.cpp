#include "subq/models/part/part_config.h"

#include "subq/util/error.h"

namespace subq::models::part {

nlohmann::json ParticleTransformerConfig::to_json() const {
  nlohmann::json j{{"model", "part"},
          {"input_dim", input_dim},
          {"num_classes", num_classes},
          {"feature_set", feature_set},
          {"pair_input_dim", pair_input_dim},
          {"embed_dims", embed_dims},
          {"pair_embed_dims", pair_embed_dims},
          {"num_heads", num_heads},
          {"num_layers", num_layers},
          {"num_cls_layers", num_cls_layers},
          {"ffn_ratio", ffn_ratio},
          {"dropout", dropout},
          {"attention", attention},
          {"max_particles", max_particles}};
  if (attention == "linear") {
    j["linear_feature_dim"] = linear_feature_dim;
    j["linear_pair_features"] = linear_pair_features;
  }
  return j;
}

ParticleTransformerConfig ParticleTransformerConfig::from_json(const nlohmann::json& j) {
  SUBQ_CHECK(j.value("model", "") == "part", "model config is not a ParT config: {}", j.dump());
  ParticleTransformerConfig c;
  try {
    c.input_dim = j.at("input_dim");
    c.num_classes = j.at("num_classes");
    c.feature_set = j.at("feature_set");
    c.pair_input_dim = j.at("pair_input_dim");
    c.embed_dims = j.at("embed_dims").get<std::vector<int64_t>>();
    c.pair_embed_dims = j.at("pair_embed_dims").get<std::vector<int64_t>>();
    c.num_heads = j.at("num_heads");
    c.num_layers = j.at("num_layers");
    c.num_cls_layers = j.at("num_cls_layers");
    c.ffn_ratio = j.at("ffn_ratio");
    c.dropout = j.at("dropout");
    c.attention = j.value("attention", "softmax");
    c.max_particles = j.value("max_particles", int64_t{128});
    c.linear_feature_dim = j.value("linear_feature_dim", c.linear_feature_dim);
    c.linear_pair_features = j.value("linear_pair_features", c.linear_pair_features);
  } catch (const nlohmann::json::exception& e) {
    fail("ParT config is incomplete or malformed ({}): {}", e.what(), j.dump());
  }
  SUBQ_CHECK(c.embed_dim() % c.num_heads == 0, "ParT config: width {} not divisible by {} heads",
             c.embed_dim(), c.num_heads);
  SUBQ_CHECK(c.linear_feature_dim > 0 && c.linear_pair_features >= 0,
             "ParT config: linear attention needs feature dim > 0 and pair features >= 0, got {} and {}",
             c.linear_feature_dim, c.linear_pair_features);
  return c;
}

}  // namespace subq::models::part
