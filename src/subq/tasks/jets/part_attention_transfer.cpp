#include "subq/tasks/jets/part_attention_transfer.h"

#include "subq/nn/freeze.h"
#include "subq/train/early_stopping.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::tasks::jets {
namespace part = models::part;

TransferKernel::TransferKernel(std::shared_ptr<part::ParticleAttentionKernel> teacher_kernel,
                               std::shared_ptr<part::ParticleAttentionKernel> student_kernel)
    : teacher(register_module("teacher", std::move(teacher_kernel))),
      student(register_module("student", std::move(student_kernel))) {}

torch::Tensor TransferKernel::attend(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v, const part::PairInputs& pair,
                                     const torch::Tensor& key_padding, torch::Tensor* weights_out) {
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;  // the teacher is frozen
    target = teacher->attend(q, k, v, pair, key_padding, weights_out);
  }
  const auto guess = student->attend(q, k, v, pair, key_padding, nullptr);
  // Padded query rows are discarded by the model, so they do not count.
  const auto real = (~key_padding).to(guess.dtype()).unsqueeze(1).unsqueeze(-1);  // (B, 1, L, 1)
  const auto elements = real.sum() * guess.size(1) * guess.size(3);
  loss = ((guess - target).pow(2) * real).sum() / elements;
  return target;
}

torch::Tensor TransferKernel::forward(const torch::Tensor& q, const torch::Tensor& k,
                                      const torch::Tensor& v, const torch::Tensor& bias,
                                      const torch::Tensor& key_padding, torch::Tensor* weights_out) {
  return attend(q, k, v, part::PairInputs{bias, torch::Tensor()}, key_padding, weights_out);
}

namespace {

// Installs a TransferKernel (softmax teacher, the block's kernel as student) in every particle
// block and takes them out again on destruction, leaving the students in place.
class TransferScope {
 public:
  explicit TransferScope(part::ParticleTransformer& model) : model_(model) {
    for (int64_t l = 0; l < model.num_particle_blocks(); ++l) {
      auto student = model.attention_kernel(l);
      SUBQ_CHECK(student->kind() != "softmax", "attention transfer: block {} still has softmax attention", l);
      part::ParticleAttentionOptions teacher;  // dropout 0: the teacher runs in eval mode anyway
      kernels_.push_back(std::make_shared<TransferKernel>(part::make_particle_attention(teacher), student));
      model.set_attention_kernel(l, kernels_.back());
    }
  }
  ~TransferScope() {
    for (size_t l = 0; l < kernels_.size(); ++l) model_.set_attention_kernel(l, kernels_[l]->student);
  }
  std::vector<torch::Tensor> student_parameters() const {
    std::vector<torch::Tensor> params;
    for (const auto& kernel : kernels_)
      for (const auto& p : kernel->student->parameters()) params.push_back(p);
    return params;
  }
  // Runs the model on `batch` and returns the summed per-block MSE.
  torch::Tensor loss(const data::JetBatch& batch) {
    model_.forward(batch);
    auto total = torch::zeros({});
    for (const auto& kernel : kernels_) total = total + kernel->loss;
    return total;
  }

 private:
  part::ParticleTransformer& model_;
  std::vector<std::shared_ptr<TransferKernel>> kernels_;
};

double mean_loss(TransferScope& scope, const data::PreparedJets& jets, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  const int64_t n = jets.jets.size();
  for (int64_t start = 0; start < n; start += batch_size) {
    const auto indices = torch::arange(start, std::min(n, start + batch_size), torch::kInt64);
    sum += scope.loss(data::make_batch(jets, indices)).item<double>() * indices.size(0);
  }
  return sum / std::max<int64_t>(n, 1);
}

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> copies;
  for (const auto& p : params) copies.push_back(p.detach().clone());
  return copies;
}

void restore(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& copies) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(copies[i]);
}

}  // namespace

double attention_transfer_mse(part::ParticleTransformer& model, const data::PreparedJets& jets,
                              int64_t batch_size) {
  const bool was_training = model.is_training();
  model.eval();
  TransferScope scope(model);
  const double mse = mean_loss(scope, jets, batch_size);
  model.train(was_training);
  return mse;
}

AttentionTransferResult transfer_attention(part::ParticleTransformer& model,
                                           const data::PreparedJets& train,
                                           const data::PreparedJets& val,
                                           const AttentionTransferOptions& options) {
  SUBQ_CHECK(train.jets.size() > 0 && val.jets.size() > 0, "attention transfer needs non-empty "
             "train and validation sets (got {} and {} jets)", train.jets.size(), val.jets.size());
  SUBQ_CHECK(options.epochs >= 0 && options.batch_size > 0, "attention transfer: bad epochs {} / batch {}",
             options.epochs, options.batch_size);
  model.eval();  // frozen teacher: BatchNorm statistics fixed, no dropout
  nn::freeze(model);
  TransferScope scope(model);
  const auto params = scope.student_parameters();
  SUBQ_CHECK(!params.empty(), "attention transfer: the student kernels have no parameters");
  for (auto& p : params) p.set_requires_grad(true);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  torch::manual_seed(options.seed);
  AttentionTransferResult result;
  result.initial_val_mse = result.best_val_mse = mean_loss(scope, val, 256);
  auto best = snapshot(params);
  const int64_t n = train.jets.size();
  train::EpochLoop loop;
  loop.epochs = options.epochs;
  loop.patience = options.patience;
  loop.initial_best = result.initial_val_mse;  // an epoch must beat the untrained students
  // patience <= 0 trains no epoch (the students stay as initialised).
  const auto run = options.patience <= 0 ? train::EpochLoopResult{0, 0, loop.initial_best, false} : train::run_epochs(
      loop,
      [&](int64_t epoch) {
        const auto order = torch::randperm(n, torch::TensorOptions().dtype(torch::kInt64));
        Progress progress(fmt::format("transfer {}/{}", epoch, options.epochs), n, "jets");
        double loss_sum = 0;
        int64_t batches = 0;
        for (int64_t start = 0; start < n; start += options.batch_size) {
          const auto indices = order.narrow(0, start, std::min(options.batch_size, n - start));
          optimizer.zero_grad();
          const auto loss = scope.loss(data::make_batch(train, indices));
          loss.backward();
          optimizer.step();
          loss_sum += loss.item<double>();
          progress.advance(indices.size(0), fmt::format("mse {:.3e}", loss_sum / ++batches));
        }
        progress.finish();
        const double val_mse = mean_loss(scope, val, 256);
        result.history.push_back({{"epoch", epoch}, {"mse", loss_sum / batches}, {"val_mse", val_mse}});
        return val_mse;
      },
      [&](int64_t) { best = snapshot(params); });
  result.best_val_mse = run.best_loss;
  result.best_epoch = run.best_epoch;
  restore(params, best);
  for (auto& p : model.parameters()) p.set_requires_grad(true);
  return result;
}

}  // namespace subq::tasks::jets
