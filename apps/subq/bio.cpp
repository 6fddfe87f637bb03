// `subq bio train|eval|predict`: Lyra and its CNN / Transformer baselines on biological
// sequence tasks (docs/bio.md). All logic lives in tasks/bio/bio_pipeline.h.
#include <iostream>

#include "command.h"
#include "subq/tasks/bio/bio_pipeline.h"
#include "subq/tasks/bio/bio_compression.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::cli {
namespace {

// Data options shared by the three subcommands. eval/predict start from the spec stored in
// the checkpoint and apply only the options given on the command line.
struct DataOptions {
  data::BioDataSpec spec;
  void add_to(CLI::App& app, bool full) {
    app.add_option("--data", spec.path, "CSV/TSV(.gz) table, FASTA, or Cas13 ADAPT TSV(.gz)")->required();
    app.add_option("--labels", spec.labels, "FASTA: label file, one class per record (default classes.txt beside it)");
    app.add_option("--fold", spec.fold, "FASTA: test fold (stratified k-fold)");
    if (!full) return;
    app.add_option("--format", spec.format, "auto | table | fasta | cas13")->capture_default_str();
    app.add_option("--alphabet", spec.alphabet, "auto | protein | nucleotide")->capture_default_str();
    app.add_option("--sequence-column", spec.sequence_column)->capture_default_str();
    app.add_option("--target-column", spec.target_column)->capture_default_str();
    app.add_option("--split-column", spec.split_column, "train/test column")->capture_default_str();
    app.add_option("--validation-column", spec.validation_column, "True marks validation rows of train")
        ->capture_default_str();
    app.add_option("--folds", spec.folds, "FASTA: number of folds")->capture_default_str();
    app.add_option("--split-seed", spec.split_seed, "FASTA: seed of the fold assignment")->capture_default_str();
    app.add_option_function<std::string>(
        "--window",
        [this](const std::string& w) {
          // Errors inside CLI11 callbacks must be CLI11 errors to reach main's handler.
          const auto colon = w.find(':');
          try {
            if (colon == std::string::npos) throw std::invalid_argument("no colon");
            spec.window_begin = std::stoll(w.substr(0, colon));
            spec.window_end = std::stoll(w.substr(colon + 1));
          } catch (const std::exception&) {
            throw CLI::ValidationError("--window", "'" + w + "' is not START:END");
          }
        },
        "cut residues [START, END) (0-based) out of every sequence");
  }
  // Applies command-line values over a checkpoint's stored spec.
  data::BioDataSpec over(data::BioDataSpec stored, const CLI::App& app) const {
    stored.path = spec.path;
    if (app.count("--labels")) stored.labels = spec.labels;
    if (app.count("--fold")) stored.fold = spec.fold;
    return stored;
  }
};

std::string metrics_text(const std::map<std::string, double>& metrics) {
  std::string out;
  for (const auto& [k, v] : metrics) out += fmt::format("{}{} {:.4f}", out.empty() ? "" : "  ", k, v);
  return out;
}

std::vector<int64_t> rows_of(const data::BioDataset& dataset, const std::string& split) {
  return split == "all" ? dataset.all_indices() : dataset.indices(data::parse_split(split));
}

Action setup_train(CLI::App& app, std::shared_ptr<CommonOptions> common) {
  struct Options {
    DataOptions data;
    tasks::bio::BioTrainRequest request;
    std::string out, config_json;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  o->data.add_to(app, true);
  add_arch_option(app, o->request.model, "architecture: lyra | cnn | transformer");
  app.add_option("--task", o->request.task, "regression | binary | multiclass")->capture_default_str();
  app.add_option("--classes", o->request.classes, "multiclass: number of classes")->capture_default_str();
  app.add_option("--out", o->out, "output model directory")->required();
  app.add_option("--epochs", o->request.trainer.epochs)->capture_default_str();
  app.add_option("--batch", o->request.trainer.batch_size)->capture_default_str();
  app.add_option("--lr", o->request.trainer.lr)->capture_default_str();
  app.add_option("--weight-decay", o->request.trainer.weight_decay)->capture_default_str();
  app.add_option("--patience", o->request.trainer.patience, "early stopping on validation loss")
      ->capture_default_str();
  app.add_option("--max-seconds", o->request.trainer.max_seconds, "stop after this wall time (0 = none)")
      ->capture_default_str();
  app.add_option("--seed", o->request.seed)->capture_default_str();
  app.add_option("--config", o->config_json, "JSON overrides of the model config, e.g. '{\"d_model\":32}'");
  app.add_flag("--json", o->json, "print the result as JSON");
  return [o, common]() {
    common->apply();
    if (o->json) Progress::set_quiet(true);
    if (!o->config_json.empty()) {
      try {
        o->request.model_config = nlohmann::json::parse(o->config_json);
      } catch (const std::exception& e) {
        fail("--config is not valid JSON: {}", e.what());
      }
    }
    const auto dataset = data::load_bio_dataset(o->data.spec);
    o->request.trainer.label = o->request.model;
    auto outcome = tasks::bio::train_bio_model(dataset, o->data.spec, o->request);
    tasks::bio::save_bio_model(outcome.predictor, o->out);
    nlohmann::json report = {{"model", o->request.model},
                             {"parameters", outcome.predictor.model->parameter_count()},
                             {"seed", o->request.seed},
                             {"epochs_run", outcome.training.history.size()},
                             {"best_epoch", outcome.training.best_epoch},
                             {"train_seconds", outcome.training.seconds},
                             {"validation", outcome.validation_metrics},
                             {"test", outcome.test_metrics},
                             {"data", o->data.spec.path},
                             {"out", o->out}};
    write_text_atomically(std::filesystem::path(o->out) / "metrics.json", report.dump(2) + "\n");
    if (o->json) {
      std::cout << report.dump(2) << "\n";
    } else {
      std::cout << fmt::format("{}: {} parameters, {} epochs (best {}), {:.1f} s\n", o->request.model,
                               outcome.predictor.model->parameter_count(), outcome.training.history.size(),
                               outcome.training.best_epoch, outcome.training.seconds)
                << "validation: " << metrics_text(outcome.validation_metrics) << "\n";
      if (!outcome.test_metrics.empty()) std::cout << "test:       " << metrics_text(outcome.test_metrics) << "\n";
      std::cout << "saved " << o->out << "\n";
    }
    return 0;
  };
}

Action setup_eval(CLI::App& app, std::shared_ptr<CommonOptions> common) {
  struct Options {
    DataOptions data;
    std::string model, split = "test";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model directory written by `subq bio train`")->required();
  o->data.add_to(app, false);
  app.add_option("--split", o->split, "train | validation | test | all")->capture_default_str();
  app.add_flag("--json", o->json, "print the metrics as JSON");
  return [o, common, &app]() {
    common->apply();
    const auto predictor = tasks::bio::load_bio_predictor(o->model);
    const auto dataset = data::load_bio_dataset(o->data.over(predictor.data, app));
    const auto metrics = tasks::bio::evaluate_bio_model(predictor, dataset, rows_of(dataset, o->split));
    if (o->json) {
      std::cout << nlohmann::json({{"split", o->split}, {"metrics", metrics}}).dump(2) << "\n";
    } else {
      std::cout << o->split << ": " << metrics_text(metrics) << "\n";
    }
    return 0;
  };
}

Action setup_predict(CLI::App& app, std::shared_ptr<CommonOptions> common) {
  struct Options {
    DataOptions data;
    std::string model, out;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model directory written by `subq bio train`")->required();
  o->data.add_to(app, false);
  app.add_option("--out", o->out, "predictions CSV (written atomically)")->required();
  return [o, common, &app]() {
    common->apply();
    const auto predictor = tasks::bio::load_bio_predictor(o->model);
    auto spec = o->data.over(predictor.data, app);
    spec.require_targets = false;
    const auto dataset = data::load_bio_dataset(spec);
    tasks::bio::write_bio_predictions(predictor, dataset, o->out);
    std::cout << fmt::format("wrote {} predictions to {}\n", dataset.examples.size(), o->out);
    return 0;
  };
}

Action setup_compress(CLI::App& app, std::shared_ptr<CommonOptions> common) {
  struct Options {
    DataOptions data;
    std::string model;
    tasks::bio::BioCompressionOptions compression;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto& c = o->compression;
  c.recipe.layers = "all";
  app.add_option("--model", o->model, "model directory written by `subq bio train`")->required();
  o->data.add_to(app, false);
  app.add_option("--out", c.out, "output directory (manifest.json + layers.safetensors; `bio eval` loads it)")->required();
  app.add_option("--target", c.recipe.target, "fraction of the chosen linears' parameters to remove")
      ->capture_default_str()->check(CLI::Range(0.01, 0.99));
  app.add_option("--method", c.recipe.method, "softrank, svd or asvd")->capture_default_str();
  app.add_option("--basis", c.recipe.basis, "softrank decomposition: svd or whitened")->capture_default_str();
  app.add_option("--layers", c.recipe.layers, "which linears (all, or names/globs)")->capture_default_str();
  app.add_option("--epochs", c.epochs, "softrank training epochs over the training split")->capture_default_str();
  app.add_option("--finetune-epochs", c.finetune_epochs, "fine-tune epochs of the exported layers")->capture_default_str();
  app.add_option("--batch", c.batch_size, "sequences per step")->capture_default_str();
  app.add_option("--finetune-lr", c.recipe.finetune_lr, "fine-tune learning rate")->capture_default_str();
  app.add_flag("--json", o->json, "print JSON");
  return [o, common, &app]() {
    common->apply();
    if (o->json) Progress::set_quiet(true);
    const auto predictor = tasks::bio::load_bio_model(o->model);
    const auto dataset = data::load_bio_dataset(o->data.over(predictor.data, app));
    const auto result = tasks::bio::compress_bio_model(o->model, dataset, o->compression);
    if (o->json) {
      std::cout << result.dump(2) << "\n";
    } else {
      for (const auto& [key, value] : result.items())
        if (value.is_number()) std::cout << fmt::format("  {:<34} {}\n", key, value.dump());
      std::cout << fmt::format("wrote {}\n", o->compression.out.string());
    }
    return 0;
  };
}

Action setup_bio(CLI::App& app) {
  app.require_subcommand(1);
  auto common = std::make_shared<CommonOptions>();
  auto* train = app.add_subcommand("train", "train Lyra / CNN / Transformer on a sequence task");
  auto* eval = app.add_subcommand("eval", "metrics of a trained model on a data split");
  auto* predict = app.add_subcommand("predict", "write predictions for every sequence of a file");
  auto* compress = app.add_subcommand("compress", "low-rank compression of a trained model (docs/compress.md)");
  for (auto* sub : {train, eval, predict, compress}) common->add_to(*sub);
  auto run_train = setup_train(*train, common);
  auto run_eval = setup_eval(*eval, common);
  auto run_predict = setup_predict(*predict, common);
  auto run_compress = setup_compress(*compress, common);
  return [=]() {
    if (train->parsed()) return run_train();
    if (compress->parsed()) return run_compress();
    if (eval->parsed()) return run_eval();
    return run_predict();
  };
}

}  // namespace

SUBQ_COMMAND("bio", "Lyra and baselines on protein / RNA / DNA sequence tasks", setup_bio);

}  // namespace subq::cli
