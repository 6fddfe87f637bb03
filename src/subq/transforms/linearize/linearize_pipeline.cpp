#include "subq/transforms/linearize/linearize_pipeline.h"

#include "subq/nn/freeze.h"
#include "subq/transforms/linearize/hidden_state_cache.h"
#include "subq/transforms/linearize/lora_stage.h"
#include "subq/util/error.h"
#include "subq/util/file_lock.h"

namespace subq::transforms {

namespace {
train::TrainerConfig trainer_config(const StageOptions& stage, const LinearizeOptions& options,
                                    const std::filesystem::path& checkpoint, const std::string& label,
                                    int64_t stop_after_steps) {
  train::TrainerConfig c;
  c.max_steps = stage.steps;
  c.batch_size = stage.batch;
  c.micro_batch = stage.micro_batch;
  c.lr = stage.lr;
  c.eval_every = stage.eval_every;
  c.plateau_factor = stage.plateau_factor;
  c.plateau_patience = stage.plateau_patience;
  c.min_lr = stage.min_lr;
  c.seed = options.seed;
  c.checkpoint = checkpoint;
  c.stop_after_steps = stop_after_steps;
  c.label = label;
  return c;
}

int64_t count(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  int64_t n = 0;
  for (const auto& [_, p] : params) n += p.numel();
  return n;
}

// The layers [first, last] this process trains in block-wise mode; errors name the option.
std::pair<int64_t, int64_t> layer_range(const LinearizeOptions& options, int64_t n_layers) {
  const int64_t first = options.first_layer, last = options.last_layer < 0 ? n_layers - 1 : options.last_layer;
  SUBQ_CHECK(0 <= first && first <= last && last < n_layers, "--layers {}-{}: the model has layers 0-{}", first,
             last, n_layers - 1);
  return {first, last};
}

// Stage 1 layer by layer (LinearizeOptions::blockwise): the teacher's hidden states are cached
// on disk once, then each layer's attention trains from its own cache file with its own
// resumable checkpoint. Separate processes may each train a range of layers from one cache
// (the first to take the lock builds it); a later run over all layers resumes the finished
// layers from their checkpoints. The summary adds steps, tokens and time over the layers;
// its best validation loss is the mean of the layers' (what the all-layers loss averages).
StageSummary blockwise_transfer(models::LlamaModelImpl& model, LinearizedAttentionsImpl& attentions,
                                const LinearizeData& data, const LinearizeOptions& options,
                                train::ProcessGroup& group, const std::filesystem::path& work_dir,
                                int64_t stop_after_steps) {
  const auto n_layers = static_cast<int64_t>(attentions.size());
  const auto [first, last] = layer_range(options, n_layers);  // before any costly work
  const auto n_trained = last - first + 1;
  const auto cache_dir = work_dir / "hidden_states";
  if (group.is_main()) {
    FileLock lock(work_dir / "hidden_states.lock");
    for (const auto& [name, chunks] : {std::pair{"train", &data.train}, std::pair{"val", &data.val}})
      if (!HiddenStateCache::complete(cache_dir / name))
        HiddenStateCache::build(model, *chunks, cache_dir / name, options.transfer.batch);
  }
  group.barrier();
  const HiddenStateCache train_cache(cache_dir / "train"), val_cache(cache_dir / "val");
  StageSummary summary;
  summary.ran = true;
  auto& total = summary.result.progress;
  double best_sum = 0;
  for (int64_t i = first; i <= last; ++i) {
    auto config = trainer_config(options.transfer, options,
                                 work_dir / fmt::format("stage1_layer{}_checkpoint.safetensors", i),
                                 fmt::format("transfer layer {}/{}", i + 1, n_layers), stop_after_steps);
    auto& block = *model.layers[i];
    auto& student = *attentions.layer(i);
    auto loss = [&](const std::vector<int64_t>& idx, bool validation) {
      const auto hidden = (validation ? val_cache : train_cache).read(i, idx).to(model.device());
      return layer_transfer_loss(block, student, hidden);
    };
    const auto r = train::ResumableTrainer(student, config, group).run(data.train.size(), data.val.size(), loss);
    total.step += r.progress.step;
    total.tokens += r.progress.tokens;
    total.seconds += r.progress.seconds;
    total.last_train_loss += r.progress.last_train_loss / n_trained;
    total.lr = r.progress.lr;
    best_sum += r.progress.best_val;
    summary.result.trainable_parameters += r.trainable_parameters;
    if (!r.finished) return summary;
  }
  total.best_val = best_sum / n_trained;
  total.best_step = total.step;
  if (n_trained < n_layers) {  // other layers are another process's job
    summary.partial = true;
    return summary;
  }
  summary.result.finished = true;
  if (group.is_main()) {  // large; not needed any more
    std::filesystem::remove_all(cache_dir);
    std::filesystem::remove(work_dir / "hidden_states.lock");
  }
  return summary;
}
}  // namespace

nlohmann::json StageSummary::to_json() const {
  if (!ran) return nullptr;
  const auto& p = result.progress;
  return {{"steps", p.step},
          {"tokens", p.tokens},
          {"seconds", p.seconds},
          {"tokens_per_second", p.seconds > 0 ? p.tokens / p.seconds : 0.0},
          {"best_step", p.best_step},
          {"best_val_loss", p.best_val},
          {"last_train_loss", p.last_train_loss},
          {"final_lr", p.lr},
          {"trainable_parameters", result.trainable_parameters}};
}

nlohmann::json LinearizeSummary::to_json() const {
  return {{"attention_transfer", transfer.to_json()},
          {"lora", finetune.to_json()},
          {"base_parameters", base_parameters},
          {"new_parameters", new_parameters},
          {"new_parameter_fraction", base_parameters ? double(new_parameters) / base_parameters : 0.0}};
}

LinearizeSummary linearize(models::LoadedLlama& base, const LinearizeData& data,
                           const LinearizeOptions& options, train::ProcessGroup& group,
                           const std::filesystem::path& work_dir, LinearizedAttentions& attentions,
                           int64_t stop_after_steps) {
  SUBQ_CHECK(data.train.seq_len() <= base.config().max_seq_len || base.config().max_seq_len == 0,
             "chunks of {} tokens exceed the model's context {}", data.train.seq_len(), base.config().max_seq_len);
  SUBQ_CHECK(options.blockwise || (options.first_layer == 0 && options.last_layer < 0),
             "a layer range (--layers) needs block-wise attention transfer (--blockwise)");
  SUBQ_CHECK(options.attention.kind != "softmax" || (!options.attention_transfer && options.lora_stage),
             "--attention softmax is the LoRA-only control: it needs --no-transfer and the LoRA stage");
  auto& model = *base.model;
  std::filesystem::create_directories(work_dir);
  LinearizeSummary summary;
  summary.base_parameters = model.parameter_count();
  nn::freeze(model);
  model.eval();
  torch::manual_seed(options.seed);  // same new-attention initialisation in every process
  attentions = LinearizedAttentions(base.config(), options.attention);
  attentions->to(model.device());  // the new parameters live where the base model does
  const auto num_val = data.val.size();

  if (options.attention_transfer) {
    auto config = trainer_config(options.transfer, options, work_dir / "stage1_checkpoint.safetensors",
                                 "attention transfer", stop_after_steps);
    auto loss = [&](const std::vector<int64_t>& idx, bool validation) {
      const auto batch = (validation ? data.val : data.train).gather(idx);
      return attention_transfer_loss(model, *attentions, batch.input_ids);
    };
    if (options.blockwise) {
      summary.transfer = blockwise_transfer(model, *attentions, data, options, group, work_dir, stop_after_steps);
    } else {
      summary.transfer.ran = true;
      summary.transfer.result = train::ResumableTrainer(*attentions, config, group).run(data.train.size(), num_val, loss);
    }
    if (!summary.transfer.result.finished) return summary;
  }
  attentions->install(model);
  summary.new_parameters = count(train::trainable_parameters(*attentions));

  if (options.lora_stage) {
    // The adapters' random initialisation must not depend on what ran before in this
    // process (a resumed stage 1, process-group set-up), or resumed and parallel runs
    // would start stage 2 from different adapters.
    torch::manual_seed(options.seed + 1);
    prepare_lora_stage(model, options.lora);
    auto config = trainer_config(options.finetune, options, work_dir / "stage2_checkpoint.safetensors", "LoRA",
                                 stop_after_steps);
    auto loss = [&](const std::vector<int64_t>& idx, bool validation) {
      return next_token_loss(model, (validation ? data.val : data.train).gather(idx));
    };
    summary.finetune.ran = true;
    summary.finetune.result = train::ResumableTrainer(model, config, group).run(data.train.size(), num_val, loss);
    summary.new_parameters += summary.finetune.result.trainable_parameters;
    if (!summary.finetune.result.finished) return summary;
  }
  nn::freeze(model);
  model.eval();
  summary.finished = true;
  return summary;
}

}  // namespace subq::transforms
