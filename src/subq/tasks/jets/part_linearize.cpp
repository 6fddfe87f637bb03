#include "subq/tasks/jets/part_linearize.h"

#include <fstream>

#include "subq/tasks/jets/jet_experiment.h"
#include "subq/io/module_io.h"
#include "subq/util/error.h"

namespace subq::tasks::jets {
namespace part = models::part;

namespace {

// Copies every parameter and buffer of `from` into the same-named tensor of `to`; `to` may
// have more (the new kernels), but nothing of `from` may be left behind.
void copy_state(const torch::nn::Module& from, torch::nn::Module& to) {
  auto target = io::module_state(to);
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : io::module_state(from)) {
    auto it = target.find(name);
    SUBQ_CHECK(it != target.end() && it->second.sizes() == tensor.sizes(),
               "linearize: the linearized model has no tensor '{}' of shape ({})", name,
               fmt::join(tensor.sizes(), ", "));
    it->second.copy_(tensor);
  }
}

nlohmann::json test_metrics(const std::shared_ptr<part::ParticleTransformer>& model,
                            const std::vector<std::string>& class_names, const data::JetDataset& test,
                            const std::filesystem::path& out) {
  return evaluate_saved_tagger(LoadedJetTagger{model, class_names}, test, out);
}

}  // namespace

std::shared_ptr<part::ParticleTransformer> make_linearized(const part::ParticleTransformer& trained,
                                                           const LinearizeOptions& options) {
  SUBQ_CHECK(options.feature_dim > 0 && options.pair_features >= 0,
             "linearize: --feature-dim must be > 0 and --pair-features >= 0 (got {} and {})",
             options.feature_dim, options.pair_features);
  for (int64_t l = 0; l < trained.num_particle_blocks(); ++l)
    SUBQ_CHECK(trained.attention_kernel(l)->kind() == "softmax",
               "linearize: particle block {} has '{}' attention; start from a softmax ParT", l,
               trained.attention_kernel(l)->kind());
  auto config = trained.config();
  config.attention = "linear";
  config.linear_feature_dim = options.feature_dim;
  config.linear_pair_features = options.pair_features;
  auto model = std::make_shared<part::ParticleTransformer>(config);
  copy_state(trained, *model);
  model->eval();
  return model;
}

nlohmann::json linearize_part(const LoadedJetTagger& trained, const data::JetDataset& jets,
                              const FoldSplit& split, const LinearizeOptions& options,
                              const std::filesystem::path& out) {
  auto teacher = std::dynamic_pointer_cast<part::ParticleTransformer>(trained.model);
  SUBQ_CHECK(teacher, "linearize: the model is not a ParT (only ParT has particle attention)");
  SUBQ_CHECK(jets.class_names.size() == trained.class_names.size(),
             "linearize: {} has {} classes but the model was trained on {}", jets.source,
             jets.class_names.size(), trained.class_names.size());
  std::filesystem::create_directories(out);
  torch::manual_seed(options.transfer.seed);  // the pair map's first layer starts random
  auto model = make_linearized(*teacher, options);
  const auto prepared = data::prepare_jets(jets, model->input_spec());
  const auto train_part = data::subset(prepared, split.train), val_part = data::subset(prepared, split.val);
  nlohmann::json result;
  const auto transfer = transfer_attention(*model, train_part, val_part, options.transfer);
  result["transfer"] = {{"initial_val_mse", transfer.initial_val_mse}, {"best_val_mse", transfer.best_val_mse},
                        {"best_epoch", transfer.best_epoch}, {"history", transfer.history}};
  const auto checkpoint = out / "model.safetensors";
  if (options.finetune_epochs > 0) {
    JetTrainOptions finetune;
    finetune.epochs = options.finetune_epochs;
    finetune.batch_size = options.finetune_batch;
    finetune.lr = options.finetune_lr;
    finetune.optimizer = "adamw";
    finetune.weight_decay = 0.0;  // the trained weights are the prior, not zero
    finetune.patience = options.finetune_patience;
    finetune.seed = options.transfer.seed;
    const auto fit = train_jet_tagger(*model, train_part, val_part, finetune, checkpoint);
    result["finetune"] = {{"best_epoch", fit.best_epoch}, {"best_val_loss", fit.best_val_loss},
                          {"best_val_accuracy", fit.best_val_accuracy}, {"history", fit.history}};
  } else {
    save_jet_tagger(*model, trained.class_names, checkpoint);
  }
  model->eval();
  result["test"] = test_metrics(model, trained.class_names, jets.subset(split.test), out);
  result["config"] = model->config_json();
  std::ofstream(out / "metrics.json") << result.dump(2) << "\n";
  return result;
}

}  // namespace subq::tasks::jets
