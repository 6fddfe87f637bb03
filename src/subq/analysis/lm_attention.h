// Attention maps of a Llama-family language model on one prompt, for the same reading as
// ParT's (binary rows, entropy, heat maps): each layer's softmax weights per query head,
// recomputed from the layer's own q and k (RoPE applied, GQA kv heads shared as the model's
// attention shares them). Layers whose attention was linearized still get their softmax
// teacher's map (what the replaced attention approximates).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/analysis/attention_statistics.h"
#include "subq/models/llama/llama_model.h"

namespace subq::analysis {

struct LmAttention {
  std::vector<std::string> tokens;     // token texts, for axis labels
  std::vector<torch::Tensor> weights;  // per layer: (H, L, L) float, causal (zero above the diagonal)
  std::vector<torch::Tensor> values;   // per layer: (H, L, d) v with kv heads repeated (for checks)
};

// `ids` (L) int64 prompt tokens.
LmAttention capture_lm_attention(models::LlamaModelImpl& model, const torch::Tensor& ids,
                                 std::vector<std::string> token_texts);

// Per layer ("layer.N") and head: the statistics of attention_statistics.h over the causal rows
// 1 .. L-1 (row i spans keys 0 .. i; row 0 can only attend to itself and is left out).
std::vector<AttentionStatistics::Layer> lm_attention_statistics(const LmAttention& attention, int bins = 50);

// Mean weight each head puts on the first token (the "attention sink"), rows 1 .. L-1: [layer][head].
std::vector<std::vector<double>> first_token_attention(const LmAttention& attention);

}  // namespace subq::analysis
