// `subq jets train|eval|baseline|attention|linearize`: jet tagging with ParT and PCN on real jet
// files (a directory of .npy arrays, a Top-tagging .h5, or subq's jet HDF5 schema), the
// attention report of a trained ParT (analysis/attention_report.h), and a trained ParT turned
// into one with linear particle attention (train/part_linearize.h).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "command.h"
#include "jets_compress.h"
#include "subq/analysis/attention_report.h"
#include "subq/data/jet_dataset.h"
#include "subq/data/jet_features.h"
#include "subq/data/jet_graph.h"
#include "subq/models/part/part_config.h"
#include "subq/models/pcn/pcn_config.h"
#include "subq/tasks/jets/jet_experiment.h"
#include "subq/tasks/jets/part_linearize.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace {

using namespace subq;

struct TrainArgs {
  cli::CommonOptions common;
  std::string arch = "part", data, out, variant = "gcnn", knn = "features", features = "kin";
  std::string pcn_features = "raw", pooling = "mean";
  int64_t head_hidden = 0;
  int64_t folds = 1, epochs = 20, batch = 128, max_jets = 0, patience = 10;
  double lr = 1e-3;
  uint64_t seed = 1;
  // Architecture overrides (defaults = the paper models); small values make quick tests.
  int64_t layers = -1, cls_layers = -1, heads = -1, order = -1, hidden = -1;
  std::vector<int64_t> embed_dims, pair_dims;
  bool json = false;
};

nlohmann::json model_config(const TrainArgs& a, const data::JetDataset& jets) {
  if (a.arch == "part") {
    models::part::ParticleTransformerConfig c;
    c.feature_set = data::to_string(data::parse_part_feature_set(a.features));
    c.input_dim = data::part_feature_count(data::parse_part_feature_set(a.features));
    c.num_classes = jets.num_classes();
    c.max_particles = jets.max_particles();
    if (a.layers >= 0) c.num_layers = a.layers;
    if (a.cls_layers >= 0) c.num_cls_layers = a.cls_layers;
    if (a.heads > 0) c.num_heads = a.heads;
    if (!a.embed_dims.empty()) c.embed_dims = a.embed_dims;
    if (!a.pair_dims.empty()) c.pair_embed_dims = a.pair_dims;
    return models::part::ParticleTransformerConfig::from_json(c.to_json()).to_json();
  }
  if (a.arch == "pcn") {
    models::pcn::PcnConfig c;
    c.variant = a.variant;
    c.num_classes = jets.num_classes();
    c.knn_space = a.knn;
    c.node_features = a.pcn_features;
    c.input_dim = a.pcn_features == "kin" ? data::part_feature_count(data::PartFeatureSet::kinematic)
                                          : data::kPcnNodeFeatures;
    c.pooling = a.pooling;
    c.head_hidden = a.head_hidden;
    c.max_particles = jets.max_particles();
    if (a.order > 0) c.order = a.order;
    if (a.hidden > 0) c.hidden = a.hidden;
    return models::pcn::PcnConfig::from_json(c.to_json()).to_json();
  }
  fail("--arch must be part or pcn, got '{}'", a.arch);
}

void print_json_or(const nlohmann::json& result, bool json, const std::string& text) {
  if (json) std::cout << result.dump(2) << "\n";
  else std::cout << text;
}

std::string format_summary(const nlohmann::json& test) {
  std::string out;
  for (const auto& [key, value] : test.items())
    out += fmt::format("  {:<28} {:.4f} +- {:.4f}\n", key, value["mean"].get<double>(),
                       value["std"].get<double>());
  return out;
}

void setup_train(CLI::App& app, std::shared_ptr<TrainArgs> a) {
  a->common.add_to(app);
  cli::add_arch_option(app, a->arch, "architecture: part or pcn");
  app.add_option("--data", a->data, "jet data: .npy directory, Top-tagging .h5 or subq-jets .h5")->required();
  app.add_option("--out", a->out, "output directory (checkpoints, metrics, ROC figures)")->required();
  app.add_option("--folds", a->folds, "k-fold cross-validation (1 = one train/val/test split)")->capture_default_str();
  app.add_option("--epochs", a->epochs, "maximum epochs")->capture_default_str();
  app.add_option("--batch", a->batch, "batch size")->capture_default_str();
  app.add_option("--lr", a->lr, "learning rate")->capture_default_str();
  app.add_option("--seed", a->seed, "random seed (splits, initialisation, shuffling)")->capture_default_str();
  app.add_option("--max-jets", a->max_jets, "use only the first N jets (0 = all)")->capture_default_str();
  app.add_option("--patience", a->patience, "early stopping: epochs without validation improvement")->capture_default_str();
  app.add_option("--features", a->features, "ParT inputs: kin (7) or full (17)")->capture_default_str();
  app.add_option("--variant", a->variant, "PCN: gcnn or dgcnn")->capture_default_str();
  app.add_option("--knn", a->knn, "PCN graph: features (raw node features) or etaphi")->capture_default_str();
  app.add_option("--pcn-features", a->pcn_features, "PCN node features: raw (16, the reference) or kin (ParT's 7)")
      ->capture_default_str();
  app.add_option("--pooling", a->pooling, "PCN pooling: mean (the reference) or mean_max")->capture_default_str();
  app.add_option("--head-hidden", a->head_hidden, "PCN head: 0 = one Linear (the reference), N = Linear-ReLU-Linear")
      ->capture_default_str();
  app.add_option("--layers", a->layers, "ParT particle blocks (default 8)");
  app.add_option("--cls-layers", a->cls_layers, "ParT class blocks (default 2)");
  app.add_option("--heads", a->heads, "ParT heads (default 8)");
  app.add_option("--embed-dims", a->embed_dims, "ParT embedding widths (default 128 512 128)")->delimiter(',');
  app.add_option("--pair-dims", a->pair_dims, "ParT pair-embedding widths (default 64 64 64)")->delimiter(',');
  app.add_option("--order", a->order, "PCN Chebyshev order K (default 16)");
  app.add_option("--hidden", a->hidden, "PCN hidden width (default 64)");
  app.add_flag("--json", a->json, "print the summary as JSON");
}

int run_train(const TrainArgs& a) {
  a.common.apply();
  SUBQ_CHECK(a.folds >= 1, "--folds must be >= 1");
  data::JetLoadOptions load;
  load.max_jets = a.max_jets;
  const auto jets = data::load_jets(a.data, load);
  tasks::jets::JetExperimentOptions options;
  options.folds = a.folds;
  options.out = a.out;
  options.train.epochs = a.epochs;
  options.train.batch_size = a.batch;
  options.train.lr = a.lr;
  options.train.seed = a.seed;
  options.train.patience = a.patience;
  options.train.optimizer = a.arch == "part" ? "ranger" : "adamw";
  const auto summary = tasks::jets::run_jet_cross_validation(jets, model_config(a, jets), options);
  print_json_or(summary, a.json,
                fmt::format("{} on {} ({} jets, {} folds, {} parameters), test metrics:\n{}", a.arch,
                            a.data, jets.size(), a.folds, summary["parameters"].get<int64_t>(),
                            format_summary(summary["test"])));
  return 0;
}

struct AttentionArgs {
  cli::CommonOptions common;
  std::string model, data, out, split = "all";
  int64_t jets = 0, show = 4, batch = 64, folds = 1, fold = 0;
  uint64_t seed = 1;
  bool json = false;
};

void setup_attention(CLI::App& app, AttentionArgs& a) {
  a.common.add_to(app);
  app.add_option("--model", a.model, "ParT checkpoint file or training output directory")->required();
  app.add_option("--data", a.data, "jet data")->required();
  app.add_option("--out", a.out, "report directory (report.html, attention.json, figures/)")->required();
  app.add_option("--jets", a.jets, "analyse only the first N jets of the split (0 = all)")->capture_default_str();
  app.add_option("--show", a.show, "jets drawn in full (heat maps, eta-phi graphs)")->capture_default_str();
  app.add_option("--batch", a.batch, "batch size")->capture_default_str();
  app.add_option("--split", a.split, "all, or test = the test part of `jets train`'s split (--folds/--fold/--seed)")
      ->check(CLI::IsMember({"all", "test"}))->capture_default_str();
  app.add_option("--folds", a.folds, "with --split test: the training run's --folds")->capture_default_str();
  app.add_option("--fold", a.fold, "with --split test: which fold's test part")->capture_default_str();
  app.add_option("--seed", a.seed, "with --split test: the training run's --seed")->capture_default_str();
  app.add_flag("--json", a.json, "print the per-layer/head summary as JSON");
}

int run_attention(const AttentionArgs& a) {
  a.common.apply();
  if (a.json) Progress::set_quiet(true);
  const auto loaded = tasks::jets::load_jet_tagger(a.model);
  auto part = std::dynamic_pointer_cast<models::part::ParticleTransformer>(loaded.model);
  SUBQ_CHECK(part, "{}: attention analysis needs a ParT checkpoint (this model has no attention)", a.model);
  auto jets = data::load_jets(a.data);
  auto ids = torch::arange(jets.size(), torch::kInt64);  // index in the file, for figure names
  if (a.split == "test")
    ids = tasks::jets::make_fold_split(jets.size(), a.folds, a.fold, tasks::jets::JetTrainOptions{}.val_fraction, a.seed).test;
  if (a.jets > 0 && a.jets < ids.size(0)) ids = ids.narrow(0, 0, a.jets);
  ids = ids.contiguous();
  if (ids.size(0) != jets.size()) jets = jets.subset(ids);
  analysis::JetAttentionOptions options;
  options.jet_ids.assign(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.size(0));
  options.show = a.show;
  options.batch_size = a.batch;
  const auto result = analysis::analyse_jet_attention(*part, jets, options);
  const auto files = analysis::write_attention_report(result, a.out);
  const auto summary = analysis::attention_summary(result);
  std::string text = fmt::format("{} jets from {} ({} split): {} ({} figures), {}\n", jets.size(), a.data, a.split,
                                 files.html.string(), files.figure_count, files.json.string());
  for (const auto& layer : summary["groups"][0]["layers"])
    for (size_t h = 0; h < layer["heads"].size(); ++h) {
      const auto& s = layer["heads"][h];
      text += fmt::format("  {:<11} head {}  rows max>0.5 {:.3f}  >0.9 {:.3f}  weights <0.01 {:.3f}  >0.99 {:.3f}\n",
                          layer["name"].get<std::string>(), h, s["fraction_rows_max_above"]["0.5"].get<double>(),
                          s["fraction_rows_max_above"]["0.9"].get<double>(),
                          s["fraction_weights_below_0.01"].get<double>(), s["fraction_weights_above_0.99"].get<double>());
    }
  print_json_or(summary, a.json, text);
  return 0;
}

struct LinearizeArgs {
  cli::CommonOptions common;
  std::string model, data, out;
  int64_t folds = 1, fold = -1, max_jets = 0;
  uint64_t seed = 1;
  tasks::jets::LinearizeOptions options;
  bool no_pair_kernel = false, json = false;
};

void setup_linearize(CLI::App& app, LinearizeArgs& a) {
  a.common.add_to(app);
  app.add_option("--model", a.model, "trained ParT: checkpoint or `jets train` output directory (with "
                 "--folds K: the directory holding fold0..fold{K-1})")->required();
  app.add_option("--data", a.data, "the jet data the model was trained on")->required();
  app.add_option("--out", a.out, "output directory (model.safetensors, metrics.json; fold<k>/ per fold)")->required();
  app.add_option("--folds", a.folds, "the training run's --folds (its splits are reproduced)")->capture_default_str();
  app.add_option("--fold", a.fold, "only this fold (default: every fold)");
  app.add_option("--seed", a.seed, "the training run's --seed (splits); also seeds transfer and fine-tune")->capture_default_str();
  app.add_option("--max-jets", a.max_jets, "the training run's --max-jets (0 = all)")->capture_default_str();
  app.add_option("--feature-dim", a.options.feature_dim, "Hedgehog feature size f per head (phi has 2f entries)")->capture_default_str();
  app.add_option("--pair-features", a.options.pair_features, "pair-kernel features G (psi per head)")->capture_default_str();
  app.add_flag("--no-pair-kernel", a.no_pair_kernel, "drop the pair bias U altogether (ablation)");
  app.add_option("--transfer-epochs", a.options.transfer.epochs, "attention-transfer epochs")->capture_default_str();
  app.add_option("--transfer-lr", a.options.transfer.lr, "attention-transfer AdamW learning rate")->capture_default_str();
  app.add_option("--transfer-patience", a.options.transfer.patience, "transfer: epochs without validation-MSE improvement")->capture_default_str();
  app.add_option("--finetune-epochs", a.options.finetune_epochs, "cross-entropy fine-tune epochs of the whole linearized model (0 = none)")->capture_default_str();
  app.add_option("--finetune-lr", a.options.finetune_lr, "fine-tune AdamW learning rate")->capture_default_str();
  app.add_option("--finetune-patience", a.options.finetune_patience, "fine-tune: epochs without validation-loss improvement")->capture_default_str();
  app.add_option("--batch", a.options.transfer.batch_size, "batch size (transfer and fine-tune)")->capture_default_str();
  app.add_flag("--json", a.json, "print the summary as JSON");
}

int run_linearize(LinearizeArgs a) {
  a.common.apply();
  if (a.json) Progress::set_quiet(true);
  SUBQ_CHECK(a.folds >= 1 && a.fold < a.folds, "--fold {} does not exist with --folds {}", a.fold, a.folds);
  if (a.no_pair_kernel) a.options.pair_features = 0;
  a.options.transfer.seed = a.seed;
  a.options.finetune_batch = a.options.transfer.batch_size;
  data::JetLoadOptions load;
  load.max_jets = a.max_jets;
  const auto jets = data::load_jets(a.data, load);
  std::vector<nlohmann::json> tests;
  nlohmann::json folds = nlohmann::json::array();
  for (int64_t f = a.fold < 0 ? 0 : a.fold; f < (a.fold < 0 ? a.folds : a.fold + 1); ++f) {
    const std::filesystem::path model = a.folds == 1 ? a.model : (std::filesystem::path(a.model) / fmt::format("fold{}", f)).string();
    const std::filesystem::path out = a.folds == 1 ? a.out : (std::filesystem::path(a.out) / fmt::format("fold{}", f)).string();
    const auto split = tasks::jets::make_fold_split(jets.size(), a.folds, f, tasks::jets::JetTrainOptions{}.val_fraction, a.seed);
    const auto result = tasks::jets::linearize_part(tasks::jets::load_jet_tagger(model), jets, split, a.options, out);
    fmt::print(stderr, "fold {}: transfer MSE {:.3e} -> {:.3e}, test AUC {:.4f}\n", f,
               result["transfer"]["initial_val_mse"].get<double>(), result["transfer"]["best_val_mse"].get<double>(),
               result["test"].value("auc", std::nan("")));
    tests.push_back(result["test"]);
    folds.push_back({{"fold", f}, {"out", out.string()}, {"transfer", result["transfer"]}});
  }
  nlohmann::json summary{{"model", a.model}, {"data", a.data}, {"folds", folds}, {"test", tasks::jets::summarize_runs(tests)}};
  std::ofstream(std::filesystem::path(a.out) / "summary.json") << summary.dump(2) << "\n";
  print_json_or(summary, a.json, fmt::format("linearized ParT ({} model(s)), test metrics:\n{}", tests.size(),
                                             format_summary(summary["test"])));
  return 0;
}

cli::Action setup_jets(CLI::App& app) {
  app.require_subcommand(1);
  auto train_args = std::make_shared<TrainArgs>();
  auto* train_cmd = app.add_subcommand("train", "train ParT or PCN (k-fold CV, early stopping)");
  setup_train(*train_cmd, train_args);

  struct EvalArgs {
    cli::CommonOptions common;
    std::string model, data, roc_dir;
    int64_t max_jets = 0, batch = 256;
    bool json = false;
  };
  auto eval_args = std::make_shared<EvalArgs>();
  auto* eval_cmd = app.add_subcommand("eval", "evaluate a trained tagger on jet data");
  eval_args->common.add_to(*eval_cmd);
  eval_cmd->add_option("--model", eval_args->model, "checkpoint file or training output directory")->required();
  eval_cmd->add_option("--data", eval_args->data, "jet data")->required();
  eval_cmd->add_option("--roc-dir", eval_args->roc_dir, "write roc.json/png/svg here");
  eval_cmd->add_option("--max-jets", eval_args->max_jets, "use only the first N jets");
  eval_cmd->add_option("--batch", eval_args->batch, "batch size")->capture_default_str();
  eval_cmd->add_flag("--json", eval_args->json, "print metrics as JSON");

  struct BaselineArgs {
    std::string data;
    int64_t folds = 5, max_jets = 0;
    uint64_t seed = 1;
    bool json = false;
  };
  auto base_args = std::make_shared<BaselineArgs>();
  auto* base_cmd = app.add_subcommand("baseline", "jet-mass and constituent-count AUCs");
  base_cmd->add_option("--data", base_args->data, "jet data")->required();
  base_cmd->add_option("--folds", base_args->folds, "folds (the taggers' test parts)")->capture_default_str();
  base_cmd->add_option("--seed", base_args->seed, "split seed (as for train)")->capture_default_str();
  base_cmd->add_option("--max-jets", base_args->max_jets, "use only the first N jets");
  base_cmd->add_flag("--json", base_args->json, "print as JSON");

  auto attention_args = std::make_shared<AttentionArgs>();
  auto* attention_cmd = app.add_subcommand("attention", "report on a trained ParT's attention (HTML, JSON, figures)");
  setup_attention(*attention_cmd, *attention_args);
  const auto run_compress = cli::add_jets_compress(app);

  auto linearize_args = std::make_shared<LinearizeArgs>();
  auto* linearize_cmd = app.add_subcommand("linearize", "give a trained ParT linear particle attention "
                                           "(attention transfer, optional fine-tune)");
  setup_linearize(*linearize_cmd, *linearize_args);

  return [=]() -> int {
    if (const int rc = run_compress(); rc >= 0) return rc;
    if (train_cmd->parsed()) return run_train(*train_args);
    if (linearize_cmd->parsed()) return run_linearize(*linearize_args);
    if (attention_cmd->parsed()) return run_attention(*attention_args);
    if (eval_cmd->parsed()) {
      eval_args->common.apply();
      if (eval_args->json) Progress::set_quiet(true);
      data::JetLoadOptions load;
      load.max_jets = eval_args->max_jets;
      const auto tagger = tasks::jets::load_jet_tagger(eval_args->model);
      const auto jets = data::load_jets(eval_args->data, load);
      const auto metrics = tasks::jets::evaluate_saved_tagger(tagger, jets, eval_args->roc_dir, eval_args->batch);
      std::string text = fmt::format("{} jets from {}\n", jets.size(), eval_args->data);
      for (const char* key : {"accuracy", "auc", "rejection_at_30", "rejection_at_50", "macro_auc",
                              "mean_one_vs_rest_accuracy"})
        if (metrics.contains(key)) text += fmt::format("  {:<26} {}\n", key, metrics[key].dump());
      print_json_or(metrics, eval_args->json, text);
      return 0;
    }
    data::JetLoadOptions load;
    load.max_jets = base_args->max_jets;
    const auto jets = data::load_jets(base_args->data, load);
    const auto result = tasks::jets::jet_baselines(jets, base_args->folds, base_args->seed, 0.1);
    print_json_or(result, base_args->json,
                  fmt::format("{} jets from {}\n  mass AUC (all jets)        {:.4f}\n  constituent-count AUC      "
                              "{:.4f}\n  per-fold test parts ({} folds):\n{}",
                              jets.size(), base_args->data,
                              result["all_jets"]["mass"]["auc"].get<double>(),
                              result["all_jets"]["constituent_count"]["auc"].get<double>(),
                              base_args->folds, format_summary(result["test_folds"])));
    return 0;
  };
}

SUBQ_COMMAND("jets", "jet tagging with ParT and PCN: train, eval, baseline, attention, linearize, compress", setup_jets);

}  // namespace
