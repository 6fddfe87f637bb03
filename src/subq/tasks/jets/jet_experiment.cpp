#include "subq/tasks/jets/jet_experiment.h"

#include <fmt/ranges.h>

#include "subq/data/jet_features.h"
#include "subq/eval/metrics.h"
#include "subq/tasks/jets/jet_metrics.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/timer.h"

namespace subq::tasks::jets {

nlohmann::json summarize_runs(const std::vector<nlohmann::json>& runs) {
  nlohmann::json out = nlohmann::json::object();
  if (runs.empty()) return out;
  for (const auto& [key, value] : runs[0].items()) {
    if (!value.is_number()) continue;
    std::vector<double> values;
    for (const auto& run : runs)
      if (run.contains(key) && run[key].is_number()) values.push_back(run[key].get<double>());
    if (values.size() != runs.size()) continue;
    const auto ms = eval::mean_std(values);
    out[key] = {{"mean", ms.mean}, {"std", values.size() > 1 ? ms.std : 0.0}, {"values", values}};
  }
  return out;
}

namespace {

nlohmann::json headline(const nlohmann::json& metrics) {
  nlohmann::json out;
  for (const char* key : {"accuracy", "auc", "rejection_at_30", "rejection_at_50", "macro_auc",
                          "mean_one_vs_rest_accuracy"})
    if (metrics.contains(key)) out[key] = metrics[key];
  return out;
}

}  // namespace

nlohmann::json evaluate_saved_tagger(const LoadedJetTagger& tagger, const data::JetDataset& jets,
                                     const std::filesystem::path& roc_dir, int64_t batch_size) {
  SUBQ_CHECK(jets.class_names.size() == tagger.class_names.size(),
             "{}: data has {} classes but the model was trained on {} ({})", jets.source,
             jets.class_names.size(), tagger.class_names.size(),
             fmt::join(tagger.class_names, ", "));
  const auto prepared = data::prepare_jets(jets, tagger.model->input_spec());
  const auto probs = predict_probabilities(*tagger.model, prepared, batch_size);
  const auto metrics = jet_metrics(probs, jets.labels, tagger.class_names);
  if (!roc_dir.empty()) save_roc_outputs(metrics, "ROC: " + jets.source, roc_dir.string());
  return metrics.summary;
}

nlohmann::json run_jet_cross_validation(const data::JetDataset& jets,
                                        const nlohmann::json& model_config,
                                        const JetExperimentOptions& options) {
  std::filesystem::create_directories(options.out);
  const auto probe = models::make_jet_tagger(model_config);
  const auto prepared = data::prepare_jets(jets, probe->input_spec());
  std::vector<nlohmann::json> fold_metrics;
  nlohmann::json folds = nlohmann::json::array();
  for (int64_t fold = 0; fold < options.folds; ++fold) {
    const auto dir = options.folds == 1 ? options.out : options.out / fmt::format("fold{}", fold);
    std::filesystem::create_directories(dir);
    const auto split = make_fold_split(jets.size(), options.folds, fold, options.train.val_fraction,
                                       options.train.seed);
    const auto train_part = data::subset(prepared, split.train);
    const auto val_part = data::subset(prepared, split.val);
    const auto test_part = data::subset(prepared, split.test);
    torch::manual_seed(options.train.seed + fold);
    auto model = models::make_jet_tagger(model_config);
    fmt::print(stderr, "fold {}/{}: {} train, {} val, {} test jets, {} parameters\n", fold + 1,
               options.folds, split.train.size(0), split.val.size(0), split.test.size(0),
               models::count_parameters(*model));
    auto trained = train_jet_tagger(*model, train_part, val_part, options.train, dir / "model.safetensors");
    const auto probs = predict_probabilities(*model, test_part, options.train.eval_batch_size);
    const auto metrics = jet_metrics(probs, test_part.jets.labels, jets.class_names);
    save_roc_outputs(metrics, fmt::format("ROC, fold {}", fold), dir.string());
    nlohmann::json record = {{"fold", fold},
                             {"test", metrics.summary},
                             {"best_epoch", trained.best_epoch},
                             {"epochs_run", trained.epochs_run},
                             {"best_val_loss", trained.best_val_loss},
                             {"train_jets_per_second", trained.train_jets_per_second},
                             {"history", trained.history}};
    write_text_atomically(dir / "metrics.json", record.dump(2));
    auto head = headline(metrics.summary);
    head["train_jets_per_second"] = trained.train_jets_per_second;
    fmt::print(stderr, "fold {}: {}\n", fold + 1, head.dump());
    fold_metrics.push_back(head);
    folds.push_back(record);
    if (fold == 0 && options.folds > 1)
      std::filesystem::copy_file(dir / "model.safetensors", options.out / "model.safetensors",
                                 std::filesystem::copy_options::overwrite_existing);
  }
  nlohmann::json summary = {{"data", jets.source},
                            {"jets", jets.size()},
                            {"folds", options.folds},
                            {"model", model_config},
                            {"parameters", models::count_parameters(*probe)},
                            {"test", summarize_runs(fold_metrics)}};
  write_text_atomically(options.out / "summary.json", summary.dump(2));
  return summary;
}

nlohmann::json jet_baselines(const data::JetDataset& jets, int64_t folds, uint64_t seed,
                             double val_fraction) {
  SUBQ_CHECK(jets.num_classes() == 2, "{}: the mass baseline needs a binary (signal vs background) "
             "dataset, this one has {} classes", jets.source, jets.num_classes());
  const auto mass_t = data::jet_masses(jets).contiguous();
  const auto count_t = jets.particle_counts().to(torch::kFloat64).contiguous();
  const auto label_t = jets.labels.to(torch::kInt32).contiguous();
  auto auc_on = [&](const torch::Tensor& scores, const torch::Tensor& index) {
    const auto s = scores.index_select(0, index).contiguous();
    const auto l = label_t.index_select(0, index).contiguous();
    return score_metrics(std::vector<double>(s.data_ptr<double>(), s.data_ptr<double>() + s.numel()),
                         std::vector<int>(l.data_ptr<int>(), l.data_ptr<int>() + l.numel()), "")
        .summary;
  };
  const auto all = torch::arange(jets.size(), torch::kInt64);
  std::vector<nlohmann::json> per_fold;
  for (int64_t fold = 0; fold < folds; ++fold) {
    const auto split = make_fold_split(jets.size(), folds, fold, val_fraction, seed);
    per_fold.push_back({{"mass_auc", auc_on(mass_t, split.test)["auc"]},
                        {"count_auc", auc_on(count_t, split.test)["auc"]},
                        {"mass_rejection_at_50", auc_on(mass_t, split.test)["rejection_at_50"]},
                        {"mass_rejection_at_30", auc_on(mass_t, split.test)["rejection_at_30"]}});
  }
  return {{"data", jets.source},
          {"jets", jets.size()},
          {"all_jets", {{"mass", auc_on(mass_t, all)}, {"constituent_count", auc_on(count_t, all)}}},
          {"folds", folds},
          {"test_folds", summarize_runs(per_fold)}};
}

TimedScore timed_score(models::JetTagger& model, const data::PreparedJets& jets,
                       const std::vector<std::string>& class_names, int repeats, const TaggerPredict& predict) {
  SUBQ_CHECK(repeats >= 1, "timed_score: repeats must be >= 1, got {}", repeats);
  TimedScore out;
  torch::Tensor probs;
  for (int r = 0; r < repeats; ++r) {
    Timer timer;
    probs = predict ? predict(model, jets) : predict_probabilities(model, jets, 256, false);
    out.jets_per_second = std::max(out.jets_per_second, jets.jets.size() / timer.seconds());
  }
  out.metrics = jet_metrics(probs, jets.jets.labels, class_names).summary;
  return out;
}

}  // namespace subq::tasks::jets
