// The LM attention registry: the one place that maps an AttentionConfig's kind to a class.
// New LM kinds are added here as cases (jets: models/part/particle_attention.cpp).
#include "subq/nn/attention.h"
#include "subq/nn/attention_hybrid.h"
#include "subq/nn/attention_softmax.h"
#include "subq/util/error.h"

namespace subq::nn {

std::shared_ptr<AttentionKind> make_lm_attention(const AttentionConfig& config,
                                                 const AttentionShape& shape) {
  if (config.kind == "softmax") return std::make_shared<SoftmaxAttention>(shape);
  // "linear" is the hybrid module with no window and no gate.
  if (config.kind == "hybrid" || config.kind == "linear")
    return std::make_shared<HybridAttention>(shape, config);
  fail("unknown attention kind '{}' (known: softmax, hybrid, linear)", config.kind);
}

}  // namespace subq::nn
