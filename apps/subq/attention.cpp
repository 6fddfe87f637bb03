// `subq attention`: a language model's attention maps on one prompt, read as ParT's are
// (binary rows, entropy, attention to the first token, heat maps per layer and head), written
// as a self-contained HTML report with JSON and figures (analysis/lm_attention_report.h).
#include <iostream>

#include "command.h"
#include "subq/analysis/lm_attention_report.h"
#include "model_options.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace {

subq::cli::Action setup_attention(CLI::App& app) {
  struct Options {
    subq::cli::CommonOptions common;
    subq::cli::ModelOptions model;
    std::string prompt, out;
    int64_t max_tokens = 64;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  opt->common.add_to(app);
  opt->model.add_to(app, /*offer_linear=*/false);  // what is read is softmax attention
  app.add_option("--prompt", opt->prompt, "text whose attention is read (BOS is added)")->required();
  app.add_option("--out", opt->out, "report directory (report.html, attention.json, figures/)")->required();
  app.add_option("--max-tokens", opt->max_tokens, "refuse longer prompts (heat maps stay readable)")
      ->capture_default_str()->check(CLI::Range(2, 512));
  app.add_flag("--json", opt->json, "print the per-layer/head summary as JSON");
  return [opt]() {
    opt->common.apply();
    auto loaded = opt->model.load(opt->common.device);
    const auto ids = loaded.tokenizer->encode(opt->prompt, true);
    SUBQ_CHECK(ids.size() >= 2, "--prompt '{}' gives {} token(s) with BOS; need at least 2", opt->prompt, ids.size());
    SUBQ_CHECK(static_cast<int64_t>(ids.size()) <= opt->max_tokens,
               "--prompt has {} tokens, more than --max-tokens {}", ids.size(), opt->max_tokens);
    std::vector<std::string> texts;
    for (auto id : ids) texts.push_back(loaded.tokenizer->token_text(id));
    const auto tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64);
    const auto attention = subq::analysis::capture_lm_attention(*loaded.model, tokens, texts);
    subq::analysis::AttentionReportFiles files;
    const auto summary = subq::analysis::write_lm_attention_report(
        attention, fmt::format("Attention of {} on a {}-token prompt", opt->model.model, ids.size()), opt->out, &files);
    if (opt->json) {
      std::cout << summary.dump(2) << "\n";
      return 0;
    }
    fmt::print("{} tokens, {} layers: {} ({} figures), {}\n", ids.size(), attention.weights.size(),
               files.html.string(), files.figure_count, files.json.string());
    for (const auto& layer : summary["layers"])
      for (size_t h = 0; h < layer["heads"].size(); ++h) {
        const auto& s = layer["heads"][h];
        fmt::print("  {:<9} head {:<2} rows max>0.5 {:.3f}  >0.9 {:.3f}  entropy {:.2f} (uniform {:.2f})  first token {:.3f}\n",
                   layer["name"].get<std::string>(), h, s["fraction_rows_max_above"]["0.5"].get<double>(),
                   s["fraction_rows_max_above"]["0.9"].get<double>(), s["mean_row_entropy"].get<double>(),
                   s["mean_uniform_row_entropy"].get<double>(), s["mean_first_token_weight"].get<double>());
      }
    return 0;
  };
}

SUBQ_COMMAND("attention", "a language model's attention maps on a prompt: statistics, heat maps, HTML report",
             setup_attention);

}  // namespace
