// The one place that maps an AttentionConfig's kind to a class. Other kinds ("hybrid",
// "linear") are added here as cases.
#include "subq/nn/attention.h"
#include "subq/nn/attention_softmax.h"
#include "subq/util/error.h"

namespace subq::nn {

std::shared_ptr<AttentionKind> make_attention(const AttentionConfig& config,
                                              const AttentionShape& shape) {
  if (config.kind == "softmax") return std::make_shared<SoftmaxAttention>(shape);
  fail("unknown attention kind '{}' (known: softmax)", config.kind);
}

}  // namespace subq::nn
