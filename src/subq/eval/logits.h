// The float32 logits a decoder computes for given token ids: the code path behind
// `subq logits` and the tests that hold subq against Hugging Face transformers.
//  - full_logits: one causal forward pass over the whole sequence (no memory).
//  - greedy_decode: prefill + one-token decode steps through the model's memory (KV cache or
//    hybrid state), or, without memory, a full forward pass per step; returns the tokens
//    and the logits each was picked from.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "subq/models/llama/llama_model.h"

namespace subq::eval {

// ids -> (L, vocab) float32 on the CPU; ids out of the vocabulary are an error.
torch::Tensor full_logits(models::LlamaModelImpl& model, const std::vector<int64_t>& ids);

struct GreedyResult {
  std::vector<int64_t> tokens;  // the new tokens
  torch::Tensor logits;         // (steps, vocab): row k is what token k was picked from
};
GreedyResult greedy_decode(models::LlamaModelImpl& model, const std::vector<int64_t>& prompt, int64_t steps,
                           bool use_memory);

}  // namespace subq::eval
