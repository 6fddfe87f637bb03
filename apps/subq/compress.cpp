// subq compress: low-rank compression of a Llama model's linears to a parameter budget, by
// learned soft thresholds on singular values (softrank) or by the uniform-rank baselines
// (svd, asvd); writes a compressed checkpoint directory that every model command loads.
#include <iostream>

#include "command.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/nn/freeze.h"
#include "subq/transforms/compress/compress_recipe.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/transforms/compress/compressed_llama.h"
#include "subq/transforms/compress/rank_chart.h"
#include "subq/transforms/open_model.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/timer.h"

namespace {

using namespace subq;

struct Options {
  cli::CommonOptions common;
  std::string model, data, out, layers = "attn,mlp", method = "softrank", basis = "svd";
  double target = 0.5;
  int64_t budget_tokens = 16384, calib_tokens = 8192, finetune_tokens = 0;
  int64_t seq = 128, batch = 4;
  double initial_threshold = 0.01, lr = 1e-4, lr_threshold = 0.05, finetune_lr = 2e-5;
  bool json = false, start_at_budget = true;
};

// Training/calibration batches (B x seq+1 tokens) from the start of a text file; the text's
// "<|endoftext|>" separators become the model's end-of-text token.
std::vector<torch::Tensor> token_batches(const tokenize::Tokenizer& tokenizer,
                                         const std::string& path, int64_t tokens, int64_t seq,
                                         int64_t batch) {
  const auto text = read_file(path);
  // Tokenising the whole of a large file is wasted work: ~8 bytes per token is plenty.
  const auto ids = tokenizer.encode(text.substr(0, std::min<size_t>(text.size(), tokens * 8)),
                                    /*add_bos=*/true, /*parse_special=*/true);
  const int64_t per_batch = batch * (seq + 1);
  const int64_t n_batches = std::min<int64_t>(tokens, ids.size()) / per_batch;
  SUBQ_CHECK(n_batches > 0, "{}: {} tokens, fewer than one batch of {} x {}", path, ids.size(),
             batch, seq + 1);
  std::vector<torch::Tensor> out;
  for (int64_t b = 0; b < n_batches; ++b) {
    std::vector<int64_t> chunk(ids.begin() + b * per_batch, ids.begin() + (b + 1) * per_batch);
    out.push_back(torch::tensor(chunk, torch::kInt64).reshape({batch, seq + 1}));
  }
  return out;
}

torch::Tensor next_token_loss(models::LlamaModelImpl& model, const torch::Tensor& batch) {
  const auto L = batch.size(1) - 1;
  auto logits = model.forward(batch.narrow(1, 0, L));
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                              batch.narrow(1, 1, L).reshape({-1}));
}

// Calibration forward passes (for asvd and the whitened basis): the first calib-tokens.
int64_t calibration_batches(const Options& opt, size_t available) {
  return std::max<int64_t>(1, std::min<int64_t>(available, opt.calib_tokens / (opt.batch * opt.seq)));
}

void run_calibration(models::LlamaModelImpl& model, const Options& opt, const std::vector<torch::Tensor>& batches) {
  torch::NoGradGuard no_grad;
  const int64_t n = calibration_batches(opt, batches.size());
  Progress progress("calibration", n, "batch");
  for (int64_t i = 0; i < n; ++i) {
    model.forward(batches[i].narrow(1, 0, opt.seq));
    progress.advance(1);
  }
  progress.finish();
}

int run(const Options& opt) {
  opt.common.apply();
  if (opt.json) Progress::set_quiet(true);
  SUBQ_CHECK(!compress::is_compressed_checkpoint(opt.model),
             "{}: already a compressed checkpoint; compress its base model instead", opt.model);
  Timer timer;
  auto loaded = transforms::open_model(opt.model);
  auto& model = *loaded.model;
  subq::nn::freeze(model);
  const int64_t model_before = model.parameter_count();
  auto slots = compress::slots_of(model);
  // Enough distinct text for every phase: a fine-tune cycling over the few batches of a
  // small softrank budget would memorise them.
  const auto batches = token_batches(*loaded.tokenizer, opt.data,
                                     std::max({opt.budget_tokens, opt.calib_tokens, opt.finetune_tokens}),
                                     opt.seq, opt.batch);
  compress::CompressRecipe recipe;
  recipe.method = opt.method;
  recipe.basis = opt.basis;
  recipe.layers = opt.layers;
  recipe.target = opt.target;
  recipe.steps = std::max<int64_t>(1, opt.budget_tokens / (opt.batch * opt.seq));
  recipe.initial_threshold = opt.initial_threshold;
  recipe.lr = opt.lr;
  recipe.lr_threshold = opt.lr_threshold;
  recipe.start_at_budget = opt.start_at_budget;
  recipe.finetune_steps = opt.finetune_tokens > 0 ? std::max<int64_t>(1, opt.finetune_tokens / (opt.batch * opt.seq)) : 0;
  recipe.finetune_lr = opt.finetune_lr;
  compress::CompressCallbacks callbacks;
  callbacks.loss = [&](int64_t step) { return next_token_loss(model, batches[step % batches.size()]); };
  callbacks.calibrate = [&] { run_calibration(model, opt, batches); };
  callbacks.set_mode = [&](bool training) { model.train(training); };
  auto outcome = compress::compress_linears(slots, recipe, callbacks);
  const auto& report = outcome.layers;
  nlohmann::json settings = {{"data", opt.data}, {"seq", opt.seq}, {"batch", opt.batch}};
  settings.update(outcome.settings);
  if (recipe.needs_calibration())
    settings["calibration_tokens"] = calibration_batches(opt, batches.size()) * opt.batch * opt.seq;
  if (opt.method == "softrank") settings["training_tokens"] = recipe.steps * opt.batch * opt.seq;

  auto manifest = compress::manifest_for(std::filesystem::absolute(opt.model).string(), recipe, outcome, model_before);
  manifest.settings = settings;
  manifest.settings["seconds"] = timer.seconds();
  compress::save_compressed_checkpoint(opt.out, slots, manifest);
  compress::write_rank_chart(std::filesystem::path(opt.out) / "ranks.png", report,
                             fmt::format("{} at {:.0f}% reduction", opt.method, 100 * opt.target));

  if (opt.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : report) layers.push_back(compress::to_json(l));
    std::cout << nlohmann::json{{"out", opt.out}, {"method", opt.method}, {"target", opt.target},
                                {"summary", compress::to_json(manifest.summary)},
                                {"settings", manifest.settings}, {"layers", layers}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << compress::format_rank_table(report, manifest.summary);
    fmt::print("wrote {} ({:.0f} s)\n", opt.out, timer.seconds());
  }
  return 0;
}

}  // namespace

SUBQ_COMMAND("compress", "Low-rank compression of a model's linears to a parameter budget",
             [](CLI::App& app) {
               auto opt = std::make_shared<Options>();
               opt->common.add_to(app);
               app.add_option("--model", opt->model, "model: .gguf, llama2.c .bin or HF directory")->required();
               app.add_option("--target", opt->target, "fraction of the chosen layers' parameters to remove (0.5 = half)")
                   ->capture_default_str()->check(CLI::Range(0.01, 0.99));
               app.add_option("--data", opt->data, "training/calibration text (e.g. TinyStories)")
                   ->required()->check(CLI::ExistingFile);
               app.add_option("--out", opt->out, "output directory (manifest.json, layers.safetensors, ranks.png)")->required();
               app.add_option("--layers", opt->layers, "which linears: attn, mlp, all, names or globs (comma-separated)")->capture_default_str();
               app.add_option("--method", opt->method, "softrank (learned thresholds), svd or asvd (uniform rank)")->capture_default_str();
               app.add_option("--basis", opt->basis, "softrank decomposition: svd (plain) or whitened (activation-aware)")->capture_default_str();
               app.add_option("--budget-tokens", opt->budget_tokens, "softrank training tokens")->capture_default_str()->check(CLI::PositiveNumber);
               app.add_option("--calib-tokens", opt->calib_tokens, "calibration tokens for asvd / whitened basis")->capture_default_str()->check(CLI::PositiveNumber);
               app.add_option("--finetune-tokens", opt->finetune_tokens, "fine-tune the exported layers on this many tokens (0: none)")->capture_default_str();
               app.add_option("--seq", opt->seq, "tokens per training sequence")->capture_default_str()->check(CLI::Range(8, 8192));
               app.add_option("--batch", opt->batch, "sequences per step")->capture_default_str()->check(CLI::PositiveNumber);
               app.add_option("--init-threshold", opt->initial_threshold, "initial tau / max(s)")->capture_default_str()->check(CLI::Range(0.0, 0.99));
               app.add_option("--lr", opt->lr, "learning rate of U, V, s")->capture_default_str();
               app.add_option("--lr-threshold", opt->lr_threshold, "learning rate of the threshold logits")->capture_default_str();
               app.add_option("--finetune-lr", opt->finetune_lr, "fine-tune learning rate")->capture_default_str();
               app.add_flag("!--no-start-at-budget", opt->start_at_budget,
                            "softrank: start from the initial threshold instead of the hard truncation at the budget");
               app.add_flag("--json", opt->json, "print JSON");
               return [opt]() { return run(*opt); };
             });
