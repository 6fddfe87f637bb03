#include "subq/train/resumable_trainer.h"

#include <cmath>
#include <map>

#include "subq/data/text_packing.h"

#include "subq/train/plateau.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/timer.h"

namespace subq::train {

namespace {
struct StepStats {
  double mean_loss = 0, count = 0;
  int64_t tokens = 0;
};

// Runs loss + backward over `local` in micro-batches and leaves in each parameter's .grad
// the gradient of the *global* mean loss (sum over ranks / global count).
StepStats accumulate_gradients(const std::vector<torch::Tensor>& params, const std::vector<int64_t>& local,
                               int64_t micro_batch, const ExampleLoss& loss, ProcessGroup& group) {
  double loss_sum = 0, count = 0, tokens = 0;
  const int64_t micro = micro_batch > 0 ? micro_batch : static_cast<int64_t>(local.size());
  for (size_t begin = 0; begin < local.size(); begin += micro) {
    const auto end = std::min(local.size(), begin + micro);
    auto ls = loss({local.begin() + begin, local.begin() + end}, false);
    ls.sum.backward();
    loss_sum += ls.sum.item<double>();
    count += ls.count;
    tokens += ls.tokens;
  }
  std::vector<torch::Tensor> reduced;
  for (const auto& p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    reduced.push_back(p.grad());
  }
  auto stats = torch::tensor({loss_sum, count, tokens}, torch::kFloat64);
  reduced.push_back(stats);
  group.all_reduce_sum(reduced);
  const double global_count = stats[1].item<double>();
  SUBQ_CHECK(global_count > 0, "a training batch holds no trained tokens (all labels masked?)");
  for (const auto& p : params) p.grad().div_(global_count);
  const double mean = stats[0].item<double>() / global_count;
  SUBQ_CHECK(std::isfinite(mean), "training loss became {} (diverged; lower the learning rate)", mean);
  return {mean, global_count, static_cast<int64_t>(stats[2].item<double>())};
}

// Mean validation loss over all examples, split round-robin over ranks.
double validate(int64_t num_val, int64_t batch, const ExampleLoss& loss, ProcessGroup& group) {
  torch::NoGradGuard no_grad;
  double sum = 0, count = 0;
  std::vector<int64_t> mine;
  for (int64_t i = group.rank(); i < num_val; i += group.world_size()) mine.push_back(i);
  for (size_t b = 0; b < mine.size(); b += batch) {
    auto ls = loss({mine.begin() + b, mine.begin() + std::min(mine.size(), b + batch)}, true);
    sum += ls.sum.item<double>();
    count += ls.count;
  }
  auto stats = torch::tensor({sum, count}, torch::kFloat64);
  group.all_reduce_sum({stats});
  return stats[0].item<double>() / stats[1].item<double>();
}

std::map<std::string, torch::Tensor> snapshot(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, p] : params) out[name] = p.detach().clone();
  return out;
}
}  // namespace

std::string TrainerConfig::fingerprint() const {
  return fmt::format("steps={} batch={} lr={} wd={} eval_every={} plateau={}/{}/{} seed={} label={}", max_steps,
                     batch_size, lr, weight_decay, eval_every, plateau_factor, plateau_patience, min_lr,
                     seed, label);
}

ResumableTrainer::ResumableTrainer(torch::nn::Module& model, TrainerConfig config, ProcessGroup& group)
    : model_(model), config_(std::move(config)), group_(group) {
  SUBQ_CHECK(config_.batch_size % group_.world_size() == 0,
             "the global batch {} does not split evenly over {} processes", config_.batch_size,
             group_.world_size());
  if (config_.checkpoint_every <= 0) config_.checkpoint_every = config_.eval_every;
}

TrainResult ResumableTrainer::run(int64_t num_train, int64_t num_val, const ExampleLoss& loss) {
  const auto named = trainable_parameters(model_);
  SUBQ_CHECK(!named.empty(), "{}: the model has no trainable parameters", config_.label);
  std::vector<torch::Tensor> params;
  for (const auto& [_, p] : named) params.push_back(p);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(config_.lr).weight_decay(config_.weight_decay));
  ReduceLROnPlateau plateau(optimizer, config_.plateau_factor, config_.plateau_patience, config_.min_lr);

  TrainResult result;
  for (const auto& p : params) result.trainable_parameters += p.numel();
  auto& prog = result.progress;
  prog.lr = config_.lr;
  std::map<std::string, torch::Tensor> best;
  const std::string fingerprint = config_.fingerprint() + fmt::format(" train={} val={}", num_train, num_val);
  if (!config_.checkpoint.empty() && std::filesystem::exists(config_.checkpoint)) {
    prog = load_training_checkpoint(config_.checkpoint, model_, &best, optimizer, fingerprint);
    set_learning_rate(optimizer, prog.lr);
    if (prog.best_step >= 0) plateau.restore(prog.best_val, prog.plateau_bad);
  }

  data::SampleStream stream(num_train, config_.seed);
  const int64_t local_batch = config_.batch_size / group_.world_size();
  Progress bar(config_.label, config_.max_steps, "step");
  bar.advance(prog.step);
  Timer session;
  int64_t session_tokens = 0, session_steps = 0;
  const double seconds_before = prog.seconds;
  while (prog.step < config_.max_steps) {
    if (config_.stop_after_steps >= 0 && session_steps >= config_.stop_after_steps) break;
    const auto global = stream.range(prog.samples, config_.batch_size);
    const std::vector<int64_t> local(global.begin() + group_.rank() * local_batch,
                                     global.begin() + (group_.rank() + 1) * local_batch);
    model_.train();
    optimizer.zero_grad();
    const auto stats = accumulate_gradients(params, local, config_.micro_batch, loss, group_);
    optimizer.step();
    ++prog.step;
    ++session_steps;
    prog.samples += config_.batch_size;
    prog.tokens += stats.tokens;
    session_tokens += stats.tokens;
    prog.last_train_loss = stats.mean_loss;
    prog.seconds = seconds_before + session.seconds();

    const bool last = prog.step == config_.max_steps;
    if (num_val > 0 && (prog.step % config_.eval_every == 0 || last)) {
      model_.eval();
      prog.last_val = validate(num_val, local_batch, loss, group_);
      if (plateau.step(prog.last_val)) {
        best = snapshot(named);
        prog.best_step = prog.step;
        prog.best_val = prog.last_val;
      }
      prog.plateau_bad = plateau.bad_checks();
      prog.lr = plateau.current_lr();
    }
    if (!config_.checkpoint.empty() && group_.is_main() && (prog.step % config_.checkpoint_every == 0 || last))
      save_training_checkpoint(config_.checkpoint, model_, best, optimizer, prog, fingerprint);
    // Validation runs every eval_every steps and at the last one: before that there is none.
    const bool validated = num_val > 0 && (prog.step >= config_.eval_every || last);
    bar.advance(1, fmt::format("loss {:.4f} | val {} | {:.0f} tok/s | lr {:.0e}", stats.mean_loss,
                               metric_text(validated ? std::optional<double>(prog.last_val) : std::nullopt),
                               session_tokens / std::max(1e-9, session.seconds()), prog.lr));
  }
  bar.finish();
  result.finished = prog.step >= config_.max_steps;
  result.tokens_per_second = session_tokens / std::max(1e-9, session.seconds());
  if (result.finished && !best.empty()) {
    torch::NoGradGuard no_grad;
    for (const auto& [name, p] : named) p.copy_(best.at(name));
  }
  model_.eval();
  return result;
}

}  // namespace subq::train
