#include "subq/tasks/bio/bio_compression.h"

#include <algorithm>
#include <numeric>

#include "subq/nn/freeze.h"
#include "subq/train/epoch_batches.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/util/error.h"
#include "subq/util/timer.h"

namespace subq::tasks::bio {

BioPredictor load_bio_predictor(const std::filesystem::path& dir) {
  return compress::load_maybe_compressed(dir, [](const std::filesystem::path& p) { return load_bio_model(p); });
}

namespace {
nlohmann::json prefixed(const std::map<std::string, double>& metrics, const std::string& suffix) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : metrics) out[key + suffix] = value;
  return out;
}
}  // namespace

nlohmann::json compress_bio_model(const std::filesystem::path& model_dir, const data::BioDataset& dataset,
                                  const BioCompressionOptions& o) {
  SUBQ_CHECK(o.epochs >= 0 && o.finetune_epochs >= 0 && o.batch_size > 0,
             "bio compress: epochs >= 0, fine-tune epochs >= 0 and batch > 0 are required");
  auto predictor = load_bio_model(model_dir);
  auto& model = *predictor.model;
  nn::freeze(model);
  const int64_t before_params = model.parameter_count();
  const auto train_rows = dataset.indices(data::Split::Train);
  const auto val_rows = dataset.indices(data::Split::Validation);
  const auto test_rows = dataset.indices(data::Split::Test);
  SUBQ_CHECK(!train_rows.empty(), "{}: no training rows to compress with", dataset.source);
  auto score = [&](const std::string& suffix) {
    nlohmann::json m = prefixed(evaluate_bio_model(predictor, dataset, val_rows), "_validation" + suffix);
    if (!test_rows.empty()) m.update(prefixed(evaluate_bio_model(predictor, dataset, test_rows), "_test" + suffix));
    return m;
  };
  auto row = score("_before");

  const auto source = training_source(predictor, dataset, train_rows);
  train::SupervisedTrainer loss_of(model, [&](const torch::Tensor& x) { return model.forward(x); }, predictor.task, {});
  const int64_t n = source.size;
  torch::manual_seed(o.seed);
  train::EpochBatches batches(n, o.batch_size);
  const int64_t batch = batches.batch_size();
  auto recipe = o.recipe;
  recipe.steps = std::max<int64_t>(1, o.epochs * batches.steps_per_epoch());
  recipe.finetune_steps = o.finetune_epochs * batches.steps_per_epoch();
  compress::CompressCallbacks callbacks;
  callbacks.loss = [&](int64_t step) {
    const auto rows = batches.rows(step);
    const auto [inputs, targets] = source.batch({rows.data_ptr<int64_t>(), rows.data_ptr<int64_t>() + rows.numel()});
    return loss_of.loss(model.forward(inputs), targets);
  };
  callbacks.calibrate = [&] {
    torch::NoGradGuard no_grad;
    const int64_t rows = std::min<int64_t>(o.calibration_rows, n);
    for (int64_t begin = 0; begin < rows; begin += batch) {
      std::vector<int64_t> idx(std::min(batch, rows - begin));
      std::iota(idx.begin(), idx.end(), begin);
      model.forward(source.batch(idx).first);
    }
  };
  callbacks.set_mode = [&](bool training) { model.train(training); };
  Timer timer;
  const auto outcome = compress::compress_linears(compress::slots_of(model), recipe, callbacks);
  auto manifest = compress::manifest_for(std::filesystem::absolute(model_dir).string(), recipe, outcome, before_params);
  manifest.settings.update({{"epochs", o.epochs}, {"finetune_epochs", o.finetune_epochs}, {"batch", batch},
                            {"seconds", timer.seconds()}});
  compress::save_compressed_checkpoint(o.out, compress::slots_of(model), manifest);
  row.update(score("_after"));
  row.update({{"parameters_before", before_params}, {"parameters_after", manifest.summary.model_after},
              {"chosen_reduction", manifest.summary.layer_reduction()}, {"seconds", timer.seconds()},
              {"method", recipe.method}, {"target", recipe.target}, {"layers", recipe.layers},
              {"model", model_dir.string()}, {"out", o.out.string()}});
  return row;
}

}  // namespace subq::tasks::bio
