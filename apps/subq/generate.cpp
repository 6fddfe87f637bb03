// subq generate: streams a model's continuation of a prompt to stdout, tokens/s to stderr.
#include <iostream>

#include "command.h"
#include "model_options.h"
#include "subq/models/llama/generation.h"

namespace {

subq::cli::Action setup_generate(CLI::App& app) {
  struct Options {
    subq::cli::CommonOptions common;
    subq::cli::ModelOptions model;
    std::string prompt;
    subq::models::GenerationOptions gen;
    bool chat = false, no_bos = false;
  };
  auto opt = std::make_shared<Options>();
  opt->common.add_to(app);
  opt->model.add_to(app);
  app.add_option("--prompt", opt->prompt, "prompt text")->required();
  app.add_option("--max-tokens", opt->gen.max_tokens, "tokens to generate")->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto* greedy = app.add_flag("--greedy", opt->gen.sampler.greedy, "always take the most likely token");
  app.add_option("--temperature", opt->gen.sampler.temperature, "sampling temperature")
      ->capture_default_str()->excludes(greedy);
  app.add_option("--top-k", opt->gen.sampler.top_k, "keep the k most likely tokens (0: all)")
      ->capture_default_str()->excludes(greedy);
  app.add_option("--top-p", opt->gen.sampler.top_p, "keep the smallest set with this mass")
      ->capture_default_str()->excludes(greedy);
  app.add_option("--seed", opt->gen.sampler.seed, "random seed (same seed, same text)")->capture_default_str();
  app.add_flag("--chat", opt->chat, "wrap the prompt in the model's chat format");
  app.add_flag("--no-bos", opt->no_bos, "do not prepend the BOS token");
  return [opt]() {
    opt->common.apply();
    auto loaded = opt->model.load(opt->common.device);
    const auto& tok = *loaded.tokenizer;
    const auto text = opt->chat ? subq::models::chat_prompt(tok, opt->prompt) : opt->prompt;
    const auto prompt = tok.encode(text, /*add_bos=*/!opt->no_bos, /*parse_special=*/opt->chat);
    std::cout << opt->prompt << std::flush;
    const auto result = subq::models::generate(*loaded.model, prompt, opt->gen, &tok, [&](int32_t id) {
      std::cout << tok.token_text(id) << std::flush;
    });
    std::cout << std::endl;  // flush before the stderr summary so the two do not interleave
    fmt::print(stderr, "prompt {} tokens in {:.3f} s ({:.1f} tok/s); generated {} tokens, {:.1f} tok/s\n",
               result.prompt_tokens, result.prefill_seconds,
               result.prompt_tokens / std::max(result.prefill_seconds, 1e-9), result.tokens.size(),
               result.decode_tokens_per_second());
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("generate", "Generate text from a Llama-family model (streams to stdout)", setup_generate);
