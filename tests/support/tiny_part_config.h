// A ParT small enough for unit tests (2 particle blocks, 1 class block, width 16, 2 heads).
#pragma once
#include "subq/models/part/part_config.h"

namespace subq::test {

inline models::part::ParticleTransformerConfig tiny_part_config() {
  models::part::ParticleTransformerConfig c;
  c.embed_dims = {16, 32, 16};
  c.pair_embed_dims = {8};
  c.num_heads = 2;
  c.num_layers = 2;
  c.num_cls_layers = 1;
  return c;
}

}  // namespace subq::test
