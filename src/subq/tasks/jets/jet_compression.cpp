#include "subq/tasks/jets/jet_compression.h"

#include <algorithm>

#include "subq/nn/freeze.h"
#include "subq/train/epoch_batches.h"
#include "subq/tasks/jets/jet_experiment.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/util/error.h"
#include "subq/util/timer.h"

namespace subq::tasks::jets {

namespace {

nlohmann::json compress_fold(const std::filesystem::path& model_dir, const data::JetDataset& all, int64_t fold,
                             const JetCompressionOptions& o, const std::filesystem::path& out) {
  auto loaded = load_jet_tagger(model_dir);
  auto& model = *loaded.model;
  nn::freeze(model);
  const int64_t before_params = models::count_parameters(model);
  const auto split = make_fold_split(all.size(), o.folds, fold, JetTrainOptions{}.val_fraction, o.seed);
  const auto spec = model.input_spec();
  const auto train_jets = data::prepare_jets(all.subset(split.train), spec);
  const auto test_jets = data::prepare_jets(all.subset(split.test), spec);
  const auto before = timed_score(model, test_jets, loaded.class_names, 3);

  torch::manual_seed(o.seed + fold);
  train::EpochBatches batches(train_jets.jets.size(), o.batch_size);
  auto recipe = o.recipe;
  recipe.steps = std::max<int64_t>(1, o.epochs * batches.steps_per_epoch());
  recipe.finetune_steps = o.finetune_epochs * batches.steps_per_epoch();
  compress::CompressCallbacks callbacks;
  callbacks.loss = [&](int64_t step) {
    const auto batch = data::make_batch(train_jets, batches.rows(step));
    return torch::nn::functional::cross_entropy(model.forward(batch), batch.labels);
  };
  callbacks.calibrate = [&] {
    torch::NoGradGuard no_grad;
    const int64_t n = std::min<int64_t>(o.calibration_jets, train_jets.jets.size());
    for (int64_t begin = 0; begin < n; begin += o.batch_size)
      model.forward(data::make_batch(train_jets, torch::arange(begin, std::min(n, begin + o.batch_size))));
  };
  callbacks.set_mode = [&](bool training) { model.train(training); };
  Timer timer;
  const auto outcome = compress::compress_linears(compress::slots_of(model), recipe, callbacks);
  const double seconds = timer.seconds();
  const auto after = timed_score(model, test_jets, loaded.class_names, 3);

  auto manifest = compress::manifest_for(std::filesystem::absolute(model_dir).string(), recipe, outcome, before_params);
  manifest.settings.update({{"epochs", o.epochs}, {"finetune_epochs", o.finetune_epochs},
                            {"batch", o.batch_size}, {"seconds", seconds}, {"fold", fold}});
  compress::save_compressed_checkpoint(out, compress::slots_of(model), manifest);

  nlohmann::json row = {{"parameters_before", before_params},
                        {"parameters_after", manifest.summary.model_after},
                        {"chosen_reduction", manifest.summary.layer_reduction()},
                        {"jets_per_second_before", before.jets_per_second},
                        {"jets_per_second_after", after.jets_per_second},
                        {"speedup", after.jets_per_second / before.jets_per_second},
                        {"seconds", seconds}};
  for (const auto& [key, value] : before.metrics.items())
    if (value.is_number()) row[key + "_before"] = value;
  for (const auto& [key, value] : after.metrics.items())
    if (value.is_number()) row[key + "_after"] = value;
  return row;
}

}  // namespace

nlohmann::json compress_jet_taggers(const std::filesystem::path& model_dir, const data::JetDataset& jets,
                                    const JetCompressionOptions& options) {
  SUBQ_CHECK(options.folds >= 1 && options.epochs >= 0 && options.finetune_epochs >= 0 && options.batch_size > 0,
             "jets compress: folds >= 1, epochs >= 0, fine-tune epochs >= 0 and batch > 0 are required");
  std::vector<nlohmann::json> runs;
  for (int64_t f = 0; f < options.folds; ++f) {
    const auto dir = options.folds > 1 ? model_dir / fmt::format("fold{}", f) : model_dir;
    const auto out = options.folds > 1 ? options.out / fmt::format("fold{}", f) : options.out;
    runs.push_back(compress_fold(dir, jets, f, options, out));
  }
  return {{"model", model_dir.string()}, {"folds", options.folds}, {"method", options.recipe.method},
          {"target", options.recipe.target}, {"layers", options.recipe.layers},
          {"per_fold", runs}, {"summary", summarize_runs(runs)}};
}

}  // namespace subq::tasks::jets
