// subq linearize: LoLCATs on a Llama-family model (docs/linearize.md). Attention transfer
// (stage 1) then LoRA (stage 2); writes only the new parameters + a manifest to --out.
// Rerunning the same command resumes an interrupted run; --nproc N trains data-parallel.
#include <fstream>
#include <iostream>

#include "command.h"
#include "subq/transforms/linearize/self_generated.h"
#include "subq/data/text_dataset.h"
#include "subq/data/text_packing.h"
#include "subq/eval/perplexity.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/train/distributed.h"
#include "subq/transforms/linearize/linearize_pipeline.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/transforms/open_model.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/index_range.h"
#include "subq/util/progress.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

namespace {

struct Options {
  subq::cli::CommonOptions common;
  std::string model, data, out, docs, eval_text, layers, format = "auto";
  subq::transforms::LinearizeOptions lin;
  int64_t budget_tokens = 0, self_docs = 64, eval_docs = 0, stop_after = -1;
  double val_fraction = 0.05;
  int nproc = 1;
  bool no_transfer = false, stage1_only = false, blockwise = false, json = false;
};

// "A-B" or "A" (0-based layer indices) for --layers.
void parse_layer_range(const std::string& text, subq::transforms::LinearizeOptions* lin) {
  const auto range = subq::parse_index_range(text.find('-') == std::string::npos ? text + "-" + text : text);
  SUBQ_CHECK(range, "--layers '{}': expected FIRST-LAST or one layer index (0-based)", text);
  std::tie(lin->first_layer, lin->last_layer) = *range;
}

// This process's argv without "--nproc N" (what each worker reruns).
std::vector<std::string> worker_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
  std::vector<std::string> out;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--nproc") { ++i; continue; }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

std::vector<subq::data::TextDocument> training_documents(const Options& opt, subq::models::LoadedLlama& base,
                                                         subq::train::ProcessGroup& group) {
  if (opt.data != "self") {
    auto docs = subq::data::read_text_documents(opt.data, subq::data::parse_text_format(opt.format));
    return opt.docs.empty() ? docs : subq::data::select_documents(docs, opt.docs);
  }
  // Sampled once by rank 0 and cached in --out, so resumed and parallel runs see the same text.
  const auto cache = std::filesystem::path(opt.out) / "self_generated.txt";
  if (group.is_main() && !std::filesystem::exists(cache)) {
    subq::transforms::SelfGenerationOptions gen;
    gen.documents = opt.self_docs;
    gen.max_tokens = opt.lin.seq_len;
    gen.seed = opt.lin.seed;
    subq::transforms::write_end_of_text_file(cache, subq::transforms::generate_self_documents(*base.model, *base.tokenizer, gen));
  }
  group.barrier();
  return subq::data::read_text_documents(cache, subq::data::TextFormat::kEndOfText);
}

subq::transforms::LinearizeData pack(const Options& opt, const std::vector<subq::data::TextDocument>& docs,
                                     const subq::tokenize::Tokenizer& tokenizer) {
  std::vector<subq::data::TextDocument> train_docs, val_docs;
  subq::data::split_documents(docs, opt.val_fraction, opt.lin.seed, &train_docs, &val_docs);
  SUBQ_CHECK(!val_docs.empty(), "--val-fraction {} leaves no validation documents out of {}", opt.val_fraction,
             docs.size());
  auto tokenize_all = [&](const std::vector<subq::data::TextDocument>& ds) {
    std::vector<subq::data::TokenizedDocument> out;
    for (const auto& d : ds) out.push_back(subq::data::tokenize_document(tokenizer, d));
    return out;
  };
  return {subq::data::PackedChunks(tokenize_all(train_docs), opt.lin.seq_len),
          subq::data::PackedChunks(tokenize_all(val_docs), opt.lin.seq_len)};
}

subq::eval::PerplexityResult evaluate(subq::models::LoadedLlama& m, const std::string& text, int64_t ctx,
                                      int64_t max_docs) {
  subq::eval::PerplexityOptions ppl;
  ppl.ctx = ctx;
  ppl.max_docs = max_docs;
  std::string protocol;
  const auto windows = subq::eval::perplexity_windows(subq::read_file(text), *m.tokenizer, ppl, &protocol);
  torch::NoGradGuard no_grad;
  auto r = subq::eval::perplexity([&](const torch::Tensor& t) { return m.model->forward(t); }, windows, ppl);
  r.protocol = protocol;
  return r;
}

int run(Options& opt) {
  opt.common.apply();
  if (opt.nproc > 1 && !std::getenv("WORLD_SIZE")) {
    subq::train::check_local_workers(opt.nproc, subq::parse_device(opt.common.device));
    return subq::train::launch_local_workers(opt.nproc, worker_arguments());
  }
  // Each CUDA process trains on a GPU of its own (NCCL); CPU processes share the CPU (Gloo).
  auto group = subq::train::ProcessGroup::from_environment(subq::parse_device(opt.common.device));
  const auto device = group->device();
  if (opt.json || !group->is_main()) subq::Progress::set_quiet(true);
  opt.lin.attention_transfer = !opt.no_transfer;
  opt.lin.lora_stage = !opt.stage1_only;
  opt.lin.blockwise = opt.blockwise;
  if (!opt.layers.empty()) parse_layer_range(opt.layers, &opt.lin);
  if (opt.budget_tokens > 0) opt.lin.apply_token_budget(opt.budget_tokens);
  std::filesystem::create_directories(opt.out);

  auto base = subq::transforms::open_model(opt.model);
  base.model->to(device);
  const auto docs = training_documents(opt, base, *group);
  const auto data = pack(opt, docs, *base.tokenizer);
  subq::transforms::LinearizedAttentions attentions{nullptr};
  auto summary = subq::transforms::linearize(base, data, opt.lin, *group, opt.out, attentions, opt.stop_after);
  if (!summary.finished) {
    if (!group->is_main()) return 0;
    if (summary.transfer.partial)
      fmt::print(stderr, "attention transfer of layers {} done (checkpoints in {}); once every range is done, "
                         "run the command without --layers to finish\n", opt.layers, opt.out);
    else
      fmt::print(stderr, "stopped early (--stop-after); rerun the same command to resume\n");
    return 0;
  }
  auto report = summary.to_json();
  report["options"] = opt.lin.to_json();
  report["data"] = {{"source", opt.data}, {"documents", docs.size()}, {"train_chunks", data.train.size()},
                    {"val_chunks", data.val.size()}, {"seq_len", opt.lin.seq_len}, {"processes", group->world_size()}};
  if (!group->is_main()) return 0;
  if (!opt.eval_text.empty()) {
    auto teacher = subq::transforms::open_model(opt.model);
    teacher.model->to(device);
    const auto ctx = opt.lin.seq_len;
    const auto b = evaluate(teacher, opt.eval_text, ctx, opt.eval_docs);
    const auto l = evaluate(base, opt.eval_text, ctx, opt.eval_docs);
    report["evaluation"] = {{"text", opt.eval_text}, {"ctx", ctx}, {"protocol", b.protocol}, {"tokens", b.tokens},
                            {"base_perplexity", b.perplexity}, {"linearized_perplexity", l.perplexity},
                            {"ratio", l.perplexity / b.perplexity}};
  }
  subq::transforms::save_linearized(opt.out, base, *attentions, report);
  if (opt.json) {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  auto stage_line = [](const char* name, const nlohmann::json& s) {
    if (s.is_null()) return fmt::format("{:<20} skipped\n", name);
    return fmt::format("{:<20} {} steps, {} tokens, {:.1f} s, {:.0f} tok/s, best val loss {:.5f}\n", name,
                       s["steps"].get<int64_t>(), s["tokens"].get<int64_t>(), s["seconds"].get<double>(),
                       s["tokens_per_second"].get<double>(), s["best_val_loss"].get<double>());
  };
  fmt::print("{}{}", stage_line("attention transfer", report["attention_transfer"]), stage_line("LoRA", report["lora"]));
  fmt::print("new parameters {} ({:.3f}% of {})\n", summary.new_parameters,
             100.0 * summary.new_parameters / summary.base_parameters, summary.base_parameters);
  if (report.contains("evaluation")) {
    const auto& e = report["evaluation"];
    fmt::print("perplexity on {} ({} tokens): base {:.4f}, linearized {:.4f} ({:.3f}x)\n", opt.eval_text,
               e["tokens"].get<int64_t>(), e["base_perplexity"].get<double>(),
               e["linearized_perplexity"].get<double>(), e["ratio"].get<double>());
  }
  fmt::print("wrote {}\n", opt.out);
  return 0;
}

}  // namespace

SUBQ_COMMAND("linearize", "Linearize a model's attention (LoLCATs: attention transfer + LoRA)", [](CLI::App& app) {
  auto opt = std::make_shared<Options>();
  auto& lin = opt->lin;
  opt->common.add_to(app);
  app.add_option("--model", opt->model, "base model: .gguf, llama2.c .bin or Hugging Face directory")->required();
  app.add_option("--data", opt->data, "training text (plain, <|endoftext|>-separated or JSONL), or 'self' to "
                                      "sample it from the model")->required();
  app.add_option("--out", opt->out, "output directory (new parameters + manifest; checkpoints while training)")
      ->required();
  app.add_option("--format", opt->format, "text format: auto, plain, eot, jsonl")->capture_default_str();
  app.add_option("--docs", opt->docs, "use documents FIRST-LAST of --data (1-based, inclusive)");
  app.add_option("--val-fraction", opt->val_fraction, "documents held out for validation")->capture_default_str();
  app.add_option("--self-docs", opt->self_docs, "documents to sample with --data self")->capture_default_str();
  app.add_option("--budget-tokens", opt->budget_tokens, "total training tokens, split over the stages");
  app.add_option("--attention", lin.attention.kind,
                 "new attention: hybrid or linear; softmax (with --no-transfer) keeps the base's attention and "
                 "trains LoRA only, the control for what LoRA alone gives")
      ->check(CLI::IsMember({"hybrid", "linear", "softmax"}))->capture_default_str();
  app.add_option("--window", lin.attention.window, "softmax window (hybrid)")->capture_default_str();
  app.add_option("--window-kind", lin.attention.window_kind, "sw (sliding) or tk (terraced)")
      ->check(CLI::IsMember({"sw", "tk"}))->capture_default_str();
  app.add_option("--feature-map", lin.attention.feature_map, "hedgehog or t2r")
      ->check(CLI::IsMember({"hedgehog", "t2r"}))->capture_default_str();
  app.add_option("--feature-dim", lin.attention.feature_dim, "feature map size f")->capture_default_str();
  app.add_flag("--no-transfer", opt->no_transfer, "skip attention transfer (ablation)");
  app.add_flag("--stage1-only", opt->stage1_only, "stop after attention transfer (no LoRA)");
  app.add_flag("--blockwise", opt->blockwise,
               "attention transfer layer by layer from hidden states cached on disk in --out (bounded memory)");
  app.add_option("--layers", opt->layers,
                 "with --blockwise: train only layers FIRST-LAST (0-based) of stage 1, so separate processes "
                 "can share the layers; then run without --layers to finish");
  app.add_option("--seq-len", lin.seq_len, "tokens per training chunk")->capture_default_str();
  app.add_option("--transfer-steps", lin.transfer.steps, "stage 1 steps")->capture_default_str();
  app.add_option("--lora-steps", lin.finetune.steps, "stage 2 steps")->capture_default_str();
  app.add_option("--batch", lin.transfer.batch, "global batch (chunks) for both stages")->capture_default_str()
      ->each([opt](const std::string& v) { opt->lin.finetune.batch = std::stoll(v); });
  app.add_option("--micro-batch", lin.transfer.micro_batch, "chunks per forward/backward (memory)")
      ->each([opt](const std::string& v) { opt->lin.finetune.micro_batch = std::stoll(v); });
  app.add_option("--eval-every", lin.transfer.eval_every, "validate every N steps")->capture_default_str()
      ->each([opt](const std::string& v) { opt->lin.finetune.eval_every = std::stoll(v); });
  app.add_option("--transfer-lr", lin.transfer.lr, "stage 1 AdamW learning rate")->capture_default_str();
  app.add_option("--lora-lr", lin.finetune.lr, "stage 2 AdamW learning rate")->capture_default_str();
  app.add_option("--lora-rank", lin.lora.rank, "LoRA rank")->capture_default_str();
  app.add_option("--lora-alpha", lin.lora.alpha, "LoRA alpha")->capture_default_str();
  app.add_option("--seed", lin.seed, "data order and sampling seed")->capture_default_str();
  app.add_option("--nproc", opt->nproc, "train with N local processes (data parallel: Gloo on CPU, NCCL with one GPU each on CUDA)")->capture_default_str();
  app.add_option("--eval-text", opt->eval_text, "after training, compare base and linearized perplexity on this text");
  app.add_option("--eval-docs", opt->eval_docs, "score at most this many documents/windows (0: all)");
  app.add_option("--stop-after", opt->stop_after, "stop each stage's session after N steps (testing resume)");
  app.add_flag("--json", opt->json, "print the summary as JSON");
  return [opt]() { return run(*opt); };
});
