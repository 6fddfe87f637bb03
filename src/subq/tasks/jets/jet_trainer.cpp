#include "subq/tasks/jets/jet_trainer.h"

#include <cmath>
#include <optional>

#include "subq/io/module_io.h"
#include "subq/transforms/compress/compressed_checkpoint.h"
#include "subq/train/early_stopping.h"
#include "subq/train/ranger.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/timer.h"

namespace subq::tasks::jets {
namespace {

// The optimizer step behind one interface (Ranger and torch's AdamW).
class JetOptimizer {
 public:
  JetOptimizer(models::JetTagger& model, const JetTrainOptions& options) {
    if (options.optimizer == "ranger") {
      train::RangerOptions r;
      r.lr = options.lr;
      ranger_ = std::make_unique<train::Ranger>(model.parameters(), r);
    } else if (options.optimizer == "adamw") {
      adamw_ = std::make_unique<torch::optim::AdamW>(
          model.parameters(), torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
    } else {
      fail("unknown optimizer '{}' (ranger or adamw)", options.optimizer);
    }
  }
  void zero_grad() { ranger_ ? ranger_->zero_grad() : adamw_->zero_grad(); }
  void step() { ranger_ ? ranger_->step() : (void)adamw_->step(); }
  void set_lr(double lr) {
    if (ranger_) return ranger_->set_lr(lr);
    for (auto& group : adamw_->param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }

 private:
  std::unique_ptr<train::Ranger> ranger_;
  std::unique_ptr<torch::optim::AdamW> adamw_;
};

// weaver's "flat+decay": constant for the first 70% of epochs, then x0.01 spread
// geometrically over the remaining 30% (per epoch). AdamW runs at a constant rate.
double scheduled_lr(const JetTrainOptions& options, int64_t epoch) {
  if (options.optimizer != "ranger") return options.lr;
  const int64_t decay_epochs = std::max<int64_t>(1, static_cast<int64_t>(options.epochs * 0.3));
  const int64_t first_decay = options.epochs - decay_epochs;
  if (epoch < first_decay) return options.lr;
  return options.lr * std::pow(0.01, static_cast<double>(epoch - first_decay + 1) / decay_epochs);
}

// Indices ordered by particle count, cut into batches: evaluation pads little this way.
std::vector<torch::Tensor> length_sorted_batches(const data::PreparedJets& jets, int64_t batch_size) {
  const auto order = std::get<1>(jets.jets.particle_counts().sort(0, /*descending=*/true));
  std::vector<torch::Tensor> batches;
  for (int64_t start = 0; start < order.size(0); start += batch_size)
    batches.push_back(order.narrow(0, start, std::min(batch_size, order.size(0) - start)));
  return batches;
}

struct ValidationScore {
  double loss, accuracy;
};

ValidationScore validate(models::JetTagger& model, const data::PreparedJets& val, int64_t batch_size) {
  const auto probs = predict_probabilities(model, val, batch_size, /*show_progress=*/false);
  const auto& labels = val.jets.labels;
  const double loss =
      torch::nll_loss(probs.clamp_min(1e-12).log(), labels).item<double>();
  const double accuracy = (probs.argmax(1) == labels).to(torch::kFloat64).mean().item<double>();
  return {loss, accuracy};
}

}  // namespace

torch::Tensor predict_probabilities(models::JetTagger& model, const data::PreparedJets& jets,
                                    int64_t batch_size, bool show_progress) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  auto out = torch::empty({jets.jets.size(), jets.jets.num_classes()}, torch::kFloat32);
  std::optional<Progress> progress;
  if (show_progress) progress.emplace("predict", jets.jets.size(), "jets");
  for (const auto& indices : length_sorted_batches(jets, batch_size)) {
    const auto batch = data::make_batch(jets, indices);
    out.index_copy_(0, indices, torch::softmax(model.forward(batch), 1).to(torch::kFloat32));
    if (progress) progress->advance(indices.size(0));
  }
  if (progress) progress->finish();
  model.train(was_training);
  return out;
}

JetTrainResult train_jet_tagger(models::JetTagger& model, const data::PreparedJets& train,
                                const data::PreparedJets& val, const JetTrainOptions& options,
                                const std::filesystem::path& checkpoint) {
  SUBQ_CHECK(train.jets.size() > 0 && val.jets.size() > 0, "training needs non-empty train and "
             "validation sets (got {} and {} jets)", train.jets.size(), val.jets.size());
  model.fit_input_scaling(train.features, train.jets.mask);
  JetOptimizer optimizer(model, options);
  torch::manual_seed(options.seed);
  JetTrainResult result;
  const int64_t n = train.jets.size();
  double train_seconds = 0;
  int64_t jets_seen = 0;
  ValidationScore last{0, 0};
  train::EpochLoop loop;
  loop.epochs = options.epochs;
  loop.patience = options.patience;
  const auto run = train::run_epochs(
      loop,
      [&](int64_t epoch) {  // 1-based; weaver's schedule counts from 0
        const double lr = scheduled_lr(options, epoch - 1);
        optimizer.set_lr(lr);
        model.train();
        const auto order = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64));
        Progress progress(fmt::format("epoch {}/{}", epoch, options.epochs), n, "jets");
        double loss_sum = 0;
        int64_t batches = 0;
        Timer timer;
        for (int64_t start = 0; start + 1 < n; start += options.batch_size) {
          // A last batch of one jet would break BatchNorm; it is folded away by `start + 1 < n`.
          const auto indices = order.narrow(0, start, std::min(options.batch_size, n - start));
          const auto batch = data::make_batch(train, indices);
          optimizer.zero_grad();
          const auto loss = torch::cross_entropy_loss(model.forward(batch), batch.labels);
          SUBQ_CHECK(std::isfinite(loss.item<double>()), "training diverged: loss is {} at epoch {}",
                     loss.item<double>(), epoch);
          loss.backward();
          optimizer.step();
          loss_sum += loss.item<double>();
          ++batches;
          progress.advance(indices.size(0), fmt::format("loss {:.4f}", loss_sum / batches));
        }
        progress.finish();
        train_seconds += timer.seconds();
        jets_seen += n;
        last = validate(model, val, options.eval_batch_size);
        result.history.push_back({{"epoch", epoch}, {"lr", lr}, {"loss", loss_sum / batches},
                                  {"val_loss", last.loss}, {"val_accuracy", last.accuracy},
                                  {"seconds", timer.seconds()}});
        return last.loss;
      },
      [&](int64_t) {
        result.best_val_accuracy = last.accuracy;
        save_jet_tagger(model, train.jets.class_names, checkpoint);
      });
  result.epochs_run = run.epochs_run;
  result.best_epoch = run.best_epoch;
  result.best_val_loss = run.best_loss;
  result.train_jets_per_second = jets_seen / std::max(train_seconds, 1e-9);
  io::load_module(model, checkpoint);
  return result;
}

void save_jet_tagger(models::JetTagger& model, const std::vector<std::string>& class_names,
                     const std::filesystem::path& path) {
  io::save_module(model, path,
              {{"config", model.config_json().dump()},
               {"class_names", nlohmann::json(class_names).dump()},
               {"kind", "subq-jet-tagger"}});
}

namespace {
// A checkpoint written by `subq jets train` (a file, or a directory holding model.safetensors).
LoadedJetTagger load_trained_jet_tagger(const std::filesystem::path& path) {
  const auto file = std::filesystem::is_directory(path) ? path / "model.safetensors" : path;
  SUBQ_CHECK(std::filesystem::exists(file), "{}: no model checkpoint (expected model.safetensors)",
             file.string());
  io::SafetensorsFile header(file);
  const auto& meta = header.metadata();
  SUBQ_CHECK(meta.count("config") && meta.count("class_names"),
             "{}: not a subq jet-tagger checkpoint (no config/class_names metadata)", file.string());
  LoadedJetTagger loaded;
  try {
    loaded.model = models::make_jet_tagger(nlohmann::json::parse(meta.at("config")));
    loaded.class_names = nlohmann::json::parse(meta.at("class_names")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    fail("{}: checkpoint metadata is not valid JSON: {}", file.string(), e.what());
  }
  io::load_module(*loaded.model, file);
  loaded.model->eval();
  return loaded;
}
}  // namespace

LoadedJetTagger load_jet_tagger(const std::filesystem::path& path) {
  return compress::load_maybe_compressed(path, load_trained_jet_tagger);
}

FoldSplit make_fold_split(int64_t jets, int64_t folds, int64_t fold, double val_fraction,
                          uint64_t seed) {
  SUBQ_CHECK(folds >= 1 && fold >= 0 && fold < std::max<int64_t>(folds, 1),
             "fold {} of {} does not exist", fold, folds);
  auto generator = at::detail::createCPUGenerator(seed);
  const auto perm = torch::randperm(jets, generator, torch::TensorOptions().dtype(torch::kInt64));
  torch::Tensor test, rest;
  if (folds == 1) {  // a single 80/10/10-style split: hold out val_fraction as test as well
    const int64_t n_test = std::max<int64_t>(1, static_cast<int64_t>(jets * val_fraction));
    test = perm.narrow(0, 0, n_test);
    rest = perm.narrow(0, n_test, jets - n_test);
  } else {
    const int64_t begin = jets * fold / folds, end = jets * (fold + 1) / folds;
    test = perm.narrow(0, begin, end - begin);
    rest = torch::cat({perm.narrow(0, 0, begin), perm.narrow(0, end, jets - end)});
  }
  const int64_t n_val = std::max<int64_t>(1, static_cast<int64_t>(rest.size(0) * val_fraction));
  FoldSplit split;
  split.test = test;
  split.val = rest.narrow(0, 0, n_val);
  split.train = rest.narrow(0, n_val, rest.size(0) - n_val);
  return split;
}

}  // namespace subq::tasks::jets
