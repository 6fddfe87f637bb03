#include "subq/train/supervised_trainer.h"

#include <cmath>
#include <random>

#include "subq/eval/metrics.h"
#include "subq/train/early_stopping.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/timer.h"

namespace subq::train {
namespace {

std::vector<double> to_doubles(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous().view(-1);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<int> to_ints(const torch::Tensor& t) {
  auto c = t.to(torch::kInt64).contiguous().view(-1);
  std::vector<int> out(c.numel());
  for (int64_t i = 0; i < c.numel(); ++i) out[i] = static_cast<int>(c.data_ptr<int64_t>()[i]);
  return out;
}

// Named parameters and buffers, cloned: the weights to restore after early stopping.
std::map<std::string, torch::Tensor> snapshot(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : module.named_parameters(true)) state[p.key()] = p.value().detach().clone();
  for (const auto& b : module.named_buffers(true)) state[b.key()] = b.value().detach().clone();
  return state;
}

void restore(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters(true)) p.value().copy_(state.at(p.key()));
  for (auto& b : module.named_buffers(true)) b.value().copy_(state.at(b.key()));
}

std::vector<std::vector<int64_t>> batches_of(int64_t n, int64_t batch, std::mt19937_64* rng) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (rng) {
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[(*rng)() % i]);
  }
  std::vector<std::vector<int64_t>> out;
  for (int64_t start = 0; start < n; start += batch)
    out.emplace_back(order.begin() + start, order.begin() + std::min(n, start + batch));
  return out;
}

}  // namespace

std::string SupervisedTask::name() const {
  switch (kind) {
    case TaskKind::Regression: return "regression";
    case TaskKind::Binary: return "binary";
    case TaskKind::Multiclass: return "multiclass";
  }
  return "?";
}

SupervisedTask SupervisedTask::parse(const std::string& name, int64_t classes) {
  if (name == "regression") return {TaskKind::Regression, 1};
  if (name == "binary") return {TaskKind::Binary, 2};
  if (name == "multiclass") {
    SUBQ_CHECK(classes >= 2, "multiclass task needs at least 2 classes, got {}", classes);
    return {TaskKind::Multiclass, classes};
  }
  fail("unknown task '{}' (expected regression, binary or multiclass)", name);
}

SupervisedTrainer::SupervisedTrainer(torch::nn::Module& module, ForwardFn forward, SupervisedTask task,
                                     TrainerOptions options)
    : module_(module), forward_(std::move(forward)), task_(task), options_(std::move(options)) {
  SUBQ_CHECK(options_.epochs > 0 && options_.batch_size > 0, "trainer: epochs and batch size must be positive");
  if (!options_.class_weights.empty()) {
    SUBQ_CHECK(static_cast<int64_t>(options_.class_weights.size()) == task_.classes,
               "trainer: {} class weights for {} classes", options_.class_weights.size(), task_.classes);
    class_weights_ = torch::tensor(options_.class_weights, torch::kFloat32);
  }
}

torch::Tensor SupervisedTrainer::loss(const torch::Tensor& outputs, const torch::Tensor& targets) const {
  if (task_.kind == TaskKind::Regression) return torch::mse_loss(outputs.view(-1), targets.view(-1));
  auto opts = torch::nn::functional::CrossEntropyFuncOptions();
  if (class_weights_.defined()) opts.weight(class_weights_);
  return torch::nn::functional::cross_entropy(outputs, targets, opts);
}

double SupervisedTrainer::train_epoch(const ExampleSource& train, torch::optim::Optimizer& optimizer, int epoch) {
  static thread_local std::mt19937_64 rng;
  rng.seed(options_.seed * 7919 + static_cast<uint64_t>(epoch));
  module_.train();
  Progress progress(fmt::format("{} epoch {}/{}", options_.label, epoch, options_.epochs), train.size, "seq");
  double total = 0;
  for (const auto& rows : batches_of(train.size, options_.batch_size, &rng)) {
    auto [inputs, targets] = train.batch(rows);
    optimizer.zero_grad();
    auto l = loss(forward_(inputs), targets);
    SUBQ_CHECK(std::isfinite(l.item<double>()), "{}: training loss became non-finite at epoch {}",
               options_.label, epoch);
    l.backward();
    optimizer.step();
    total += l.item<double>() * static_cast<double>(rows.size());
    progress.advance(static_cast<int64_t>(rows.size()), fmt::format("loss {:.4f}", l.item<double>()));
  }
  progress.finish();
  return total / static_cast<double>(train.size);
}

double SupervisedTrainer::validation_loss(const ExampleSource& validation) {
  torch::NoGradGuard no_grad;
  module_.eval();
  double total = 0;
  for (const auto& rows : batches_of(validation.size, options_.batch_size, nullptr)) {
    auto [inputs, targets] = validation.batch(rows);
    total += loss(forward_(inputs), targets).item<double>() * static_cast<double>(rows.size());
  }
  return total / static_cast<double>(validation.size);
}

TrainResult SupervisedTrainer::fit(const ExampleSource& train, const ExampleSource& validation) {
  SUBQ_CHECK(train.size > 0, "{}: the training split is empty", options_.label);
  SUBQ_CHECK(validation.size > 0, "{}: the validation split is empty (needed for early stopping)",
             options_.label);
  torch::optim::AdamW optimizer(module_.parameters(),
                                torch::optim::AdamWOptions(options_.lr).weight_decay(options_.weight_decay));
  TrainResult result;
  auto best = snapshot(module_);
  Timer total;
  EpochLoop loop;
  loop.epochs = options_.epochs;
  loop.patience = options_.patience;
  if (options_.max_seconds > 0) loop.out_of_time = [&] { return total.seconds() > options_.max_seconds; };
  const auto run = run_epochs(
      loop,
      [&](int64_t epoch) {
        Timer timer;
        EpochRecord record;
        record.epoch = static_cast<int>(epoch);
        record.train_loss = train_epoch(train, optimizer, record.epoch);
        record.validation_loss = validation_loss(validation);
        record.seconds = timer.seconds();
        result.history.push_back(record);
        return record.validation_loss;
      },
      [&](int64_t) { best = snapshot(module_); });
  result.best_epoch = static_cast<int>(run.best_epoch);
  result.best_validation_loss = run.best_loss;
  result.stopped_early = run.stopped_early;
  restore(module_, best);
  module_.eval();
  result.seconds = total.seconds();
  return result;
}

torch::Tensor predict_outputs(torch::nn::Module& module, const ForwardFn& forward,
                              const ExampleSource& source, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  module.eval();
  std::vector<torch::Tensor> outputs;
  for (const auto& rows : batches_of(source.size, batch_size, nullptr))
    outputs.push_back(forward(source.batch(rows).first));
  SUBQ_CHECK(!outputs.empty(), "predict: no examples");
  return torch::cat(outputs, 0);
}

std::vector<double> balanced_class_weights(const std::vector<int>& labels, int64_t classes) {
  std::vector<double> counts(classes, 0.0), weights(classes, 0.0);
  for (int y : labels) {
    SUBQ_CHECK(y >= 0 && y < classes, "class label {} outside 0..{}", y, classes - 1);
    counts[y] += 1;
  }
  for (int64_t c = 0; c < classes; ++c)
    if (counts[c] > 0) weights[c] = static_cast<double>(labels.size()) / (classes * counts[c]);
  return weights;
}

std::map<std::string, double> task_metrics(const SupervisedTask& task, const torch::Tensor& predictions,
                                           const torch::Tensor& targets) {
  std::map<std::string, double> m;
  if (task.kind == TaskKind::Regression) {
    const auto p = to_doubles(predictions), t = to_doubles(targets);
    m["spearman"] = eval::spearman(p, t);
    m["pearson"] = eval::pearson(p, t);
    m["r2"] = eval::r_squared(p, t);
    m["mse"] = eval::mean_squared_error(p, t);
    return m;
  }
  const auto predicted = to_ints(predictions.argmax(-1)), truth = to_ints(targets);
  m["accuracy"] = eval::accuracy(predicted, truth);
  if (task.kind == TaskKind::Binary) {
    m["mcc"] = eval::matthews_corrcoef(predicted, truth);
    m["auc"] = eval::roc_auc(to_doubles(torch::softmax(predictions.to(torch::kFloat64), -1).select(1, 1)), truth);
  }
  return m;
}

}  // namespace subq::train
