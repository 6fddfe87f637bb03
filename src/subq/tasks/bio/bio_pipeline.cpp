#include "subq/tasks/bio/bio_pipeline.h"

#include <cmath>

#include "subq/models/lyra/bio_model_factory.h"
#include "subq/io/module_io.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::tasks::bio {
namespace {

constexpr char kMetadataKey[] = "subq.bio";

// The trainer's view of some dataset rows: one-hot inputs and (z-scored or class) targets.
train::ExampleSource make_source(const data::BioDataset& dataset, const std::vector<int64_t>& rows,
                                 const train::SupervisedTask& task, double mean, double std) {
  train::ExampleSource source;
  source.size = static_cast<int64_t>(rows.size());
  source.batch = [&dataset, rows, task, mean, std](const std::vector<int64_t>& picks) {
    std::vector<int64_t> selected;
    selected.reserve(picks.size());
    for (auto p : picks) selected.push_back(rows.at(p));
    auto inputs = dataset.encode(selected);
    auto targets = dataset.targets(selected);
    if (task.kind == train::TaskKind::Regression) {
      targets = ((targets - mean) / std).to(torch::kFloat32);
    } else {
      targets = targets.to(torch::kInt64);
      SUBQ_CHECK(targets.min().item<int64_t>() >= 0 && targets.max().item<int64_t>() < task.classes,
                 "{}: class labels must lie in 0..{}", dataset.source, task.classes - 1);
    }
    return std::make_pair(inputs, targets);
  };
  return source;
}

// Targets-free source for prediction.
train::ExampleSource make_input_source(const data::BioDataset& dataset, const std::vector<int64_t>& rows) {
  train::ExampleSource source;
  source.size = static_cast<int64_t>(rows.size());
  source.batch = [&dataset, rows](const std::vector<int64_t>& picks) {
    std::vector<int64_t> selected;
    for (auto p : picks) selected.push_back(rows.at(p));
    return std::make_pair(dataset.encode(selected), torch::Tensor());
  };
  return source;
}

train::ForwardFn forward_of(const std::shared_ptr<models::BioSequenceModel>& model) {
  return [model](const torch::Tensor& x) { return model->forward(x); };
}

nlohmann::json predictor_metadata(const BioPredictor& p) {
  nlohmann::json meta = p.metadata.is_object() ? p.metadata : nlohmann::json::object();
  meta["model"] = p.model->kind();
  meta["model_config"] = p.model->config_json();
  meta["task"] = p.task.name();
  meta["classes"] = p.task.classes;
  meta["target_mean"] = p.target_mean;
  meta["target_std"] = p.target_std;
  meta["data"] = data::to_json(p.data);
  meta["parameters"] = p.model->parameter_count();
  return meta;
}

}  // namespace

torch::Tensor BioPredictor::predict(const data::BioDataset& dataset, const std::vector<int64_t>& rows,
                                    int64_t batch_size) const {
  SUBQ_CHECK(dataset.channels() == model->config_json().value("inputs", int64_t{0}),
             "{}: data has {} input channels but the model expects {}", dataset.source,
             dataset.channels(), model->config_json().value("inputs", int64_t{0}));
  auto out = train::predict_outputs(*model, forward_of(model), make_input_source(dataset, rows), batch_size)
                 .to(torch::kFloat64);
  if (task.kind == train::TaskKind::Regression) return out.view(-1) * target_std + target_mean;
  return out;
}

BioTrainOutcome train_bio_model(const data::BioDataset& dataset, const data::BioDataSpec& spec,
                                const BioTrainRequest& request) {
  const auto task = train::SupervisedTask::parse(request.task, request.classes);
  const auto train_rows = dataset.indices(data::Split::Train);
  const auto val_rows = dataset.indices(data::Split::Validation);
  const auto test_rows = dataset.indices(data::Split::Test);
  SUBQ_CHECK(!train_rows.empty(), "{}: no training rows", dataset.source);
  SUBQ_CHECK(!val_rows.empty(), "{}: no validation rows (needed for model selection)", dataset.source);

  BioPredictor predictor;
  predictor.task = task;
  predictor.data = spec;
  auto options = request.trainer;
  options.seed = request.seed;
  const auto train_targets = dataset.targets(train_rows);
  if (task.kind == train::TaskKind::Regression) {
    predictor.target_mean = train_targets.mean().item<double>();
    const double std = train_targets.numel() > 1 ? train_targets.std().item<double>() : 1.0;
    predictor.target_std = std > 1e-12 ? std : 1.0;
  } else if (options.class_weights.empty()) {
    auto labels = train_targets.to(torch::kInt64);
    std::vector<int> ints(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
    options.class_weights = train::balanced_class_weights(ints, task.classes);
  }
  torch::manual_seed(request.seed);
  predictor.model = models::make_bio_model(request.model, dataset.channels(), task.outputs(), request.model_config);

  const auto train_source = make_source(dataset, train_rows, task, predictor.target_mean, predictor.target_std);
  const auto val_source = make_source(dataset, val_rows, task, predictor.target_mean, predictor.target_std);
  train::SupervisedTrainer trainer(*predictor.model, forward_of(predictor.model), task, options);
  BioTrainOutcome outcome;
  outcome.training = trainer.fit(train_source, val_source);
  outcome.validation_metrics = evaluate_bio_model(predictor, dataset, val_rows);
  if (!test_rows.empty()) outcome.test_metrics = evaluate_bio_model(predictor, dataset, test_rows);

  predictor.metadata = {{"training",
                         {{"seed", request.seed}, {"epochs_run", outcome.training.history.size()},
                          {"best_epoch", outcome.training.best_epoch},
                          {"best_validation_loss", outcome.training.best_validation_loss},
                          {"seconds", outcome.training.seconds}, {"lr", options.lr},
                          {"weight_decay", options.weight_decay}, {"batch_size", options.batch_size},
                          {"train_rows", train_rows.size()}, {"validation_rows", val_rows.size()},
                          {"source", dataset.source}}}};
  outcome.predictor = predictor;
  return outcome;
}

train::ExampleSource training_source(const BioPredictor& predictor, const data::BioDataset& dataset,
                                     const std::vector<int64_t>& rows) {
  return make_source(dataset, rows, predictor.task, predictor.target_mean, predictor.target_std);
}

void save_bio_model(const BioPredictor& predictor, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto meta = predictor_metadata(predictor);
  io::save_module(*predictor.model, dir / "model.safetensors", {{kMetadataKey, meta.dump()}});
  write_text_atomically(dir / "config.json", meta.dump(2) + "\n");
}

BioPredictor load_bio_model(const std::filesystem::path& dir) {
  const auto weights = dir / "model.safetensors";
  SUBQ_CHECK(std::filesystem::exists(weights), "{}: not a bio model directory (no model.safetensors)",
             dir.string());
  io::SafetensorsFile file(weights);
  auto it = file.metadata().find(kMetadataKey);
  SUBQ_CHECK(it != file.metadata().end(), "{}: no '{}' metadata (not written by subq bio train)",
             weights.string(), kMetadataKey);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
  } catch (const std::exception& e) {
    fail("{}: metadata '{}' is not valid JSON: {}", weights.string(), kMetadataKey, e.what());
  }
  BioPredictor p;
  try {
    p.model = models::make_bio_model_from_config(meta.at("model").get<std::string>(), meta.at("model_config"));
    p.task = train::SupervisedTask::parse(meta.at("task").get<std::string>(), meta.at("classes").get<int64_t>());
    p.target_mean = meta.at("target_mean").get<double>();
    p.target_std = meta.at("target_std").get<double>();
    p.data = data::data_spec_from_json(meta.at("data"));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: incomplete bio model metadata: {}", weights.string(), e.what());
  }
  p.metadata = meta;
  io::load_module(*p.model, weights);
  p.model->eval();
  return p;
}

std::map<std::string, double> evaluate_bio_model(const BioPredictor& predictor, const data::BioDataset& dataset,
                                                 const std::vector<int64_t>& rows) {
  SUBQ_CHECK(!rows.empty(), "{}: no rows to evaluate", dataset.source);
  auto predictions = predictor.predict(dataset, rows);
  auto metrics = train::task_metrics(predictor.task, predictions, dataset.targets(rows));
  metrics["n"] = static_cast<double>(rows.size());
  return metrics;
}

void write_bio_predictions(const BioPredictor& predictor, const data::BioDataset& dataset,
                           const std::filesystem::path& path) {
  const auto rows = dataset.all_indices();
  const auto predictions = predictor.predict(dataset, rows).contiguous();
  write_file_atomically(path, [&](std::ostream& out) {
    if (predictor.task.kind == train::TaskKind::Regression) {
      out << "origin,split,prediction\n";
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto& ex = dataset.examples[rows[i]];
        out << ex.origin << ',' << data::split_name(ex.split) << ','
            << fmt::format("{:.9g}", predictions[static_cast<int64_t>(i)].item<double>()) << '\n';
      }
      return;
    }
    const auto probs = torch::softmax(predictions, -1);
    out << "origin,split,predicted_class";
    for (int64_t c = 0; c < predictor.task.classes; ++c) out << ",p_" << c;
    out << '\n';
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& ex = dataset.examples[rows[i]];
      const auto row = probs[static_cast<int64_t>(i)];
      out << ex.origin << ',' << data::split_name(ex.split) << ',' << row.argmax().item<int64_t>();
      for (int64_t c = 0; c < predictor.task.classes; ++c) out << fmt::format(",{:.9g}", row[c].item<double>());
      out << '\n';
    }
  });
}

}  // namespace subq::tasks::bio
