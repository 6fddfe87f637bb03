// subq jets compress --model DIR --data PATH --out DIR [--folds K] [--target 0.5]
//                    [--method softrank|svd|asvd] [--epochs N] [--finetune-epochs N]
// Low-rank compression of trained ParT taggers (docs/compress.md, "ParT"), fold by fold.
#include "jets_compress.h"

#include <iostream>
#include <memory>

#include "command.h"
#include "subq/data/jet_dataset.h"
#include "subq/tasks/jets/jet_compression.h"
#include "subq/util/progress.h"

namespace subq::cli {

namespace {

struct Args {
  CommonOptions common;
  std::string model, data;
  tasks::jets::JetCompressionOptions options;
  bool json = false;
};

std::string table(const nlohmann::json& result) {
  const auto& s = result["summary"];
  auto cell = [&](const std::string& key) {
    if (!s.contains(key)) return std::string("-");
    return fmt::format("{:.4f} +- {:.4f}", s[key]["mean"].get<double>(), s[key]["std"].get<double>());
  };
  std::string out = fmt::format("{} at {:.0f}% of the chosen linears, {} fold(s):\n", result["method"].get<std::string>(),
                                100 * result["target"].get<double>(), result["folds"].get<int64_t>());
  for (const char* key : {"auc", "accuracy", "rejection_at_30", "rejection_at_50", "macro_auc"})
    if (s.contains(std::string(key) + "_before"))
      out += fmt::format("  {:<18} {:>20} -> {}\n", key, cell(std::string(key) + "_before"), cell(std::string(key) + "_after"));
  out += fmt::format("  {:<18} {:>20} -> {}\n", "parameters", cell("parameters_before"), cell("parameters_after"));
  out += fmt::format("  {:<18} {:>20} -> {} ({}x)\n", "jets/s", cell("jets_per_second_before"),
                     cell("jets_per_second_after"), cell("speedup"));
  return out;
}

}  // namespace

std::function<int()> add_jets_compress(CLI::App& jets) {
  auto a = std::make_shared<Args>();
  auto* cmd = jets.add_subcommand("compress", "low-rank compression of trained ParT taggers (per fold)");
  auto& o = a->options;
  auto& r = o.recipe;
  r.layers = "all";
  a->common.add_to(*cmd);
  cmd->add_option("--model", a->model, "`subq jets train` output (fold<k>/ with --folds) or model directory")->required();
  cmd->add_option("--data", a->data, "the jet data the model was trained on (for the same folds)")->required();
  cmd->add_option("--out", o.out, "output directory (a compressed checkpoint per fold)")->required();
  cmd->add_option("--folds", o.folds, "folds of the training run")->capture_default_str();
  cmd->add_option("--seed", o.seed, "the training run's split seed")->capture_default_str();
  cmd->add_option("--target", r.target, "fraction of the chosen linears' parameters to remove")
      ->capture_default_str()->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--method", r.method, "softrank, svd or asvd")->capture_default_str();
  cmd->add_option("--basis", r.basis, "softrank decomposition: svd or whitened")->capture_default_str();
  cmd->add_option("--layers", r.layers, "which linears (all, or names/globs such as blocks.*.fc1)")->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "softrank training epochs")->capture_default_str();
  cmd->add_option("--finetune-epochs", o.finetune_epochs, "fine-tune epochs of the exported layers")->capture_default_str();
  cmd->add_option("--batch", o.batch_size, "jets per step")->capture_default_str();
  cmd->add_option("--lr", r.lr, "learning rate of U, V, s")->capture_default_str();
  cmd->add_option("--lr-threshold", r.lr_threshold, "learning rate of the thresholds")->capture_default_str();
  cmd->add_option("--finetune-lr", r.finetune_lr, "fine-tune learning rate")->capture_default_str();
  cmd->add_flag("--json", a->json, "print JSON");
  return [a, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    a->common.apply();
    if (a->json) Progress::set_quiet(true);
    const auto jets = data::load_jets(a->data);
    const auto result = tasks::jets::compress_jet_taggers(a->model, jets, a->options);
    if (a->json) std::cout << result.dump(2) << "\n";
    else std::cout << table(result) << fmt::format("wrote {}\n", a->options.out.string());
    return 0;
  };
}

}  // namespace subq::cli
