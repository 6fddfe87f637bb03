#include "subq/models/llama/generation.h"

#include "subq/util/error.h"
#include "subq/util/timer.h"

namespace subq::models {

double GenerationResult::decode_tokens_per_second() const {
  // The first generated token comes from the prefill; the rest from decode steps.
  const auto steps = int64_t(tokens.size()) - 1;
  return steps > 0 && decode_seconds > 0 ? double(steps) / decode_seconds : 0.0;
}

GenerationResult generate(LlamaModelImpl& model, const std::vector<int32_t>& prompt,
                          const GenerationOptions& options, const tokenize::Tokenizer* tokenizer,
                          const TokenCallback& on_token) {
  SUBQ_CHECK(!prompt.empty(), "generate: the prompt has no tokens");
  // NoGradGuard, not InferenceMode: tensors the model caches lazily while generating (RoPE
  // tables) must stay usable by autograd when the same model is trained next (--data self).
  torch::NoGradGuard no_grad;
  GenerationResult result;
  result.prompt_tokens = int64_t(prompt.size());
  Sampler sampler(options.sampler);
  auto memory = model.new_memory(1);
  const auto limit = model.config().max_seq_len;

  Timer timer;
  auto ids = torch::tensor(std::vector<int64_t>(prompt.begin(), prompt.end())).unsqueeze(0);
  auto logits = model.prefill(ids, memory);
  result.prefill_seconds = timer.seconds();
  timer.reset();
  while (int64_t(result.tokens.size()) < options.max_tokens) {
    const auto next = int32_t(sampler.sample(logits[0]));
    if (options.stop_at_end && tokenizer && tokenizer->is_end_of_generation(next)) {
      result.stopped_at_end = true;
      break;
    }
    result.tokens.push_back(next);
    if (on_token) on_token(next);
    if (int64_t(result.tokens.size()) == options.max_tokens || memory.position() >= limit) break;
    logits = model.decode(torch::tensor({int64_t(next)}), memory);
  }
  result.decode_seconds = timer.seconds();
  return result;
}

std::string chat_prompt(const tokenize::Tokenizer& tokenizer, const std::string& message) {
  if (tokenizer.find_token("<|im_start|>") >= 0)
    return "<|im_start|>user\n" + message + "<|im_end|>\n<|im_start|>assistant\n";
  return "[INST] " + message + " [/INST]";
}

}  // namespace subq::models
