// The options that choose a Llama-family model, shared by generate, perplexity, eval and
// attention: --model (a model file, HF directory, `subq compress` or `subq export` directory),
// --linear (a `subq linearize` output applied on top) and --tokenizer.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

#include "subq/models/llama/llama_loader.h"

namespace subq::cli {

struct ModelOptions {
  std::string model, linear, tokenizer;
  // `offer_linear` false leaves --linear out (commands that read softmax attention).
  void add_to(CLI::App& app, bool offer_linear = true);
  // Loads the model, applies --linear, moves it to `device` ("cpu", "cuda", ...). Commands
  // that feed token ids (logits) need no tokenizer.
  models::LoadedLlama load(const std::string& device, bool need_tokenizer = true) const;
};

}  // namespace subq::cli
