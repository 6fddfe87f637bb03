#include "subq/transforms/compress/compress_recipe.h"

#include "subq/transforms/compress/calibration.h"
#include "subq/transforms/compress/soft_rank.h"
#include "subq/transforms/compress/svd_baselines.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::compress {

void CompressRecipe::validate() const {
  SUBQ_CHECK(method == "softrank" || method == "svd" || method == "asvd",
             "compression method must be softrank, svd or asvd, got '{}'", method);
  SUBQ_CHECK(basis == "svd" || basis == "whitened", "softrank basis must be svd or whitened, got '{}'", basis);
  SUBQ_CHECK(target > 0 && target < 1, "target reduction must be in (0, 1), got {}", target);
  SUBQ_CHECK(steps >= 1 && finetune_steps >= 0, "steps must be >= 1 and fine-tune steps >= 0");
}

namespace {

nlohmann::json soft_rank(const LinearSlots& slots, const CompressRecipe& r, const CompressCallbacks& cb,
                         const InputStatisticsMap* whitening, std::vector<CompressedLayer>* report) {
  std::vector<int64_t> before;
  for (const auto& ref : chosen_linears(slots, r.layers)) before.push_back((*ref.slot)->stored_parameters());
  auto layers = convert_to_soft_rank(slots, r.layers, r.initial_threshold, whitening);
  if (r.start_at_budget) start_at_budget(layers, r.target);
  SoftRankTraining training;
  training.target_reduction = r.target;
  training.steps = r.steps;
  training.lr_factors = r.lr;
  training.lr_threshold = r.lr_threshold;
  cb.set_mode(true);
  const auto history = train_soft_rank(layers, cb.loss, training);
  cb.set_mode(false);
  const double shift = enforce_budget(layers, r.target);
  *report = export_soft_rank(layers, before);
  return {{"basis", r.basis},
          {"start_at_budget", r.start_at_budget},
          {"steps", training.steps},
          {"initial_threshold", r.initial_threshold},
          {"lr", r.lr},
          {"lr_threshold", r.lr_threshold},
          {"temperature", {training.annealing.temperature_start, training.annealing.temperature_end}},
          {"lambda", {training.annealing.lambda_start, training.annealing.lambda_end}},
          {"first_loss", history.front().task_loss},
          {"last_loss", history.back().task_loss},
          {"budget_logit_shift", shift}};
}

// Adam on the exported layers only, with the task loss; returns the last loss.
double finetune(const LinearSlots& slots, const CompressRecipe& r, const CompressCallbacks& cb) {
  std::vector<torch::Tensor> params;
  for (const auto& ref : chosen_linears(slots, r.layers))
    for (auto& p : (*ref.slot)->parameters()) {
      p.set_requires_grad(true);
      params.push_back(p);
    }
  torch::optim::Adam optimizer(params, torch::optim::AdamOptions(r.finetune_lr));
  Progress progress("fine-tune", r.finetune_steps, "step");
  double last = 0;
  cb.set_mode(true);
  for (int64_t step = 0; step < r.finetune_steps; ++step) {
    optimizer.zero_grad();
    auto loss = cb.loss(step);
    loss.backward();
    optimizer.step();
    last = loss.item<double>();
    progress.advance(1, fmt::format("loss {:.3f}", last));
  }
  progress.finish();
  cb.set_mode(false);
  for (auto& p : params) p.set_requires_grad(false);
  return last;
}

}  // namespace

CompressOutcome compress_linears(const LinearSlots& slots, const CompressRecipe& recipe,
                                 const CompressCallbacks& callbacks) {
  recipe.validate();
  CompressOutcome out;
  InputStatisticsMap stats;
  if (recipe.needs_calibration()) stats = collect_input_statistics(slots, recipe.layers, callbacks.calibrate);
  const auto* whitening = recipe.needs_calibration() ? &stats : nullptr;
  if (recipe.method == "softrank")
    out.settings = soft_rank(slots, recipe, callbacks, whitening, &out.layers);
  else
    out.layers = truncate_uniform(slots, recipe.layers, recipe.target, whitening);
  if (recipe.finetune_steps > 0) {
    out.settings["finetune_last_loss"] = finetune(slots, recipe, callbacks);
    out.settings["finetune_steps"] = recipe.finetune_steps;
    out.settings["finetune_lr"] = recipe.finetune_lr;
  }
  return out;
}

CompressedManifest manifest_for(const std::string& base_model, const CompressRecipe& recipe,
                                const CompressOutcome& outcome, int64_t model_before) {
  CompressedManifest m;
  m.base_model = base_model;
  m.method = recipe.method;
  m.layers = recipe.layers;
  m.target_reduction = recipe.target;
  m.compressed = outcome.layers;
  m.summary = summarize(outcome.layers, model_before);
  m.settings = outcome.settings;
  return m;
}

}  // namespace subq::compress
