// subq perplexity: a model's perplexity on a text file (protocol in eval/perplexity.h).
#include <iostream>

#include "command.h"
#include "model_options.h"
#include "subq/eval/perplexity.h"
#include "subq/util/atomic_file.h"
#include "subq/util/progress.h"
#include "subq/util/runtime.h"

namespace {

subq::cli::Action setup_perplexity(CLI::App& app) {
  struct Options {
    subq::cli::CommonOptions common;
    subq::cli::ModelOptions model;
    std::string text;
    subq::eval::PerplexityOptions ppl;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  opt->common.add_to(app);
  opt->model.add_to(app);
  app.add_option("--text", opt->text, "text file; <|endoftext|>-separated documents or plain text")
      ->required()->check(CLI::ExistingFile);
  app.add_option("--ctx", opt->ppl.ctx, "tokens per document/window (BOS included)")->capture_default_str()
      ->check(CLI::Range(2, 1 << 20));
  app.add_option("--max-docs", opt->ppl.max_docs, "score at most this many documents/windows (0: all)")
      ->capture_default_str();
  app.add_option("--batch", opt->ppl.batch, "documents scored together")->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", opt->json, "print JSON");
  return [opt]() {
    opt->common.apply();
    if (opt->json) subq::Progress::set_quiet(true);
    auto loaded = opt->model.load(opt->common.device);
    std::string protocol;
    const auto windows = subq::eval::perplexity_windows(subq::read_file(opt->text), *loaded.tokenizer,
                                                        opt->ppl, &protocol);
    c10::InferenceMode inference;
    auto result = subq::eval::perplexity(
        [&](const torch::Tensor& tokens) { return loaded.model->forward(tokens); }, windows, opt->ppl);
    result.protocol = protocol;
    if (opt->json) {
      std::cout << nlohmann::json{{"model", opt->model.model}, {"text", opt->text}, {"ctx", opt->ppl.ctx},
                                  {"protocol", result.protocol}, {"windows", result.windows},
                                  {"tokens", result.tokens}, {"mean_nll", result.mean_nll},
                                  {"perplexity", result.perplexity}, {"seconds", result.seconds}}
                       .dump(2)
                << "\n";
    } else {
      fmt::print("perplexity {:.4f} (mean NLL {:.4f}) over {} tokens in {} {} of <= {} tokens, {:.1f} s\n",
                 result.perplexity, result.mean_nll, result.tokens, result.windows, result.protocol,
                 opt->ppl.ctx, result.seconds);
    }
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("perplexity", "Perplexity of a model on a text file", setup_perplexity);
