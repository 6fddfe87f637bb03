// subq eval: zero-shot evaluation of a language model (or a compressed checkpoint) on
// LAMBADA, HellaSwag, PIQA, ARC-Easy, WinoGrande (scored like lm-evaluation-harness, see
// eval/lm_tasks.h) or perplexity on a text file (protocol of eval/perplexity.h).
#include <iostream>

#include "command.h"
#include "model_options.h"
#include "subq/eval/lm_tasks.h"
#include "subq/eval/perplexity.h"
#include "subq/util/atomic_file.h"
#include "subq/util/progress.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

namespace {

using namespace subq;

struct Options {
  cli::CommonOptions common;
  cli::ModelOptions model;
  std::string task, data;
  int64_t limit = 0, ctx = 512, max_length = 2048;
  bool json = false;
};

nlohmann::json run_perplexity(models::LoadedLlama& loaded, const Options& opt) {
  eval::PerplexityOptions ppl;
  ppl.ctx = opt.ctx;
  ppl.max_docs = opt.limit;
  ppl.show_progress = !opt.json;
  std::string protocol;
  const auto windows = eval::perplexity_windows(read_file(opt.data), *loaded.tokenizer, ppl, &protocol);
  auto r = eval::perplexity([&](const torch::Tensor& t) { return loaded.model->forward(t); }, windows, ppl);
  return {{"task", "perplexity"}, {"protocol", protocol}, {"ctx", opt.ctx}, {"windows", r.windows},
          {"tokens", r.tokens}, {"mean_nll", r.mean_nll}, {"perplexity", r.perplexity}};
}

nlohmann::json run_task(models::LoadedLlama& loaded, const Options& opt) {
  const auto task = eval::parse_lm_task(opt.task);
  const auto items = eval::read_task_items(task, opt.data, opt.limit);
  const auto& tokenizer = *loaded.tokenizer;
  eval::CausalLm lm;
  lm.encode = [&](const std::string& text) {
    const auto ids = tokenizer.encode(text, /*add_bos=*/false, /*parse_special=*/false);
    return std::vector<int64_t>(ids.begin(), ids.end());
  };
  lm.hidden = [&](const torch::Tensor& tokens) {
    return loaded.model->hidden_states(tokens.to(loaded.model->device()), nullptr);
  };
  lm.head = [&](const torch::Tensor& hidden) { return loaded.model->logits(hidden); };
  if (tokenizer.bos_id() >= 0) lm.prefix = {tokenizer.bos_id()};
  lm.max_length = opt.max_length;
  Progress progress(eval::lm_task_name(task), items.size(), "item");
  auto score = eval::score_task(task, items, eval::causal_lm_loglikelihood(lm),
                                [&](int64_t, double acc) {
                                  progress.advance(1, fmt::format("acc {:.3f}", acc));
                                });
  progress.finish();
  return score.to_json();
}

int run(const Options& opt) {
  opt.common.apply();
  if (opt.json) Progress::set_quiet(true);
  Timer timer;
  auto loaded = opt.model.load(opt.common.device);
  loaded.model->eval();
  c10::InferenceMode inference;
  auto result = opt.task == "perplexity" ? run_perplexity(loaded, opt) : run_task(loaded, opt);
  result["model"] = opt.model.model;
  if (!opt.model.linear.empty()) result["linear"] = opt.model.linear;
  result["data"] = opt.data;
  result["seconds"] = timer.seconds();
  if (opt.json) {
    std::cout << result.dump(2) << "\n";
  } else if (opt.task == "perplexity") {
    fmt::print("perplexity {:.4f} over {} tokens ({} {} of <= {} tokens), {:.0f} s\n",
               result["perplexity"].get<double>(), result["tokens"].get<int64_t>(),
               result["windows"].get<int64_t>(), result["protocol"].get<std::string>(), opt.ctx,
               timer.seconds());
  } else {
    fmt::print("{}: acc {:.4f} +- {:.4f}", result["task"].get<std::string>(),
               result["acc"].get<double>(), result["acc_stderr"].get<double>());
    if (result.contains("acc_norm")) fmt::print(", acc_norm {:.4f}", result["acc_norm"].get<double>());
    if (result.contains("perplexity")) fmt::print(", perplexity {:.3f}", result["perplexity"].get<double>());
    fmt::print(" over {} items, {:.0f} s\n", result["items"].get<int64_t>(), timer.seconds());
  }
  return 0;
}

}  // namespace

SUBQ_COMMAND("eval", "Zero-shot LM evaluation (lambada, hellaswag, piqa, arc_easy, winogrande, perplexity)",
             [](CLI::App& app) {
               auto opt = std::make_shared<Options>();
               opt->common.add_to(app);
               opt->model.add_to(app);
               app.add_option("--task", opt->task, "lambada, hellaswag, piqa, arc_easy, winogrande or perplexity")->required();
               app.add_option("--data", opt->data, "task file (see docs/lm_eval.md)")->required()->check(CLI::ExistingFile);
               app.add_option("--limit", opt->limit, "first N items / windows only (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);
               app.add_option("--ctx", opt->ctx, "perplexity: tokens per window")->capture_default_str()->check(CLI::Range(2, 1 << 20));
               app.add_option("--max-length", opt->max_length, "tasks: longest input, cut from the left")->capture_default_str()->check(CLI::Range(2, 1 << 20));
               app.add_flag("--json", opt->json, "print JSON");
               return [opt]() { return run(*opt); };
             });
