// Autoregressive generation with a LlamaModel: one batched prefill of the prompt into a
// fresh LlamaMemory, then one decode step per new token, each token handed to a callback as
// soon as it is sampled (streaming). Stops at max_tokens, at an end-of-generation token, or
// when the model's context is full.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "subq/models/llama/llama_model.h"
#include "subq/models/llama/sampler.h"
#include "subq/tokenize/tokenizer.h"

namespace subq::models {

struct GenerationOptions {
  int64_t max_tokens = 128;
  SamplerConfig sampler;
  bool stop_at_end = true;  // stop at the tokenizer's end-of-generation tokens
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated tokens only
  int64_t prompt_tokens = 0;
  double prefill_seconds = 0.0, decode_seconds = 0.0;
  bool stopped_at_end = false;
  double decode_tokens_per_second() const;
};

using TokenCallback = std::function<void(int32_t token)>;

GenerationResult generate(LlamaModelImpl& model, const std::vector<int32_t>& prompt,
                          const GenerationOptions& options, const tokenize::Tokenizer* tokenizer,
                          const TokenCallback& on_token = nullptr);

// Wraps a user message in the model's chat format: ChatML ("<|im_start|>user ...") when the
// tokenizer knows <|im_start|> (SmolLM, Qwen), else Llama 2's "[INST] ... [/INST]".
std::string chat_prompt(const tokenize::Tokenizer& tokenizer, const std::string& message);

}  // namespace subq::models
