// `subq jets linearize`: a trained ParT turned into one with linear particle attention
// (models/part/linear_attention.h). Every weight is copied from the trained model, the new
// kernels are trained by attention transfer (part_attention_transfer.h) on the fold's training
// part, then optionally the whole linearized model is fine-tuned with cross-entropy (AdamW,
// early stopping on the fold's validation part). The result is a normal jet-tagger checkpoint
// (config attention = "linear") that `subq jets eval` loads.
#pragma once
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "subq/data/jet_dataset.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/tasks/jets/part_attention_transfer.h"

namespace subq::tasks::jets {

struct LinearizeOptions {
  int64_t feature_dim = 8;    // Hedgehog f per head (phi has 2f entries)
  int64_t pair_features = 8;  // G of the pair kernel psi; 0 = drop U (ablation)
  AttentionTransferOptions transfer;
  int64_t finetune_epochs = 0, finetune_patience = 3, finetune_batch = 32;
  double finetune_lr = 3e-4;
};

// A ParT with linear particle attention whose other weights are copies of `trained`'s.
std::shared_ptr<models::part::ParticleTransformer> make_linearized(
    const models::part::ParticleTransformer& trained, const LinearizeOptions& options);

// Linearizes the ParT in `trained` on one split of `jets`: transfer (and fine-tune) on
// split.train / split.val, test metrics on split.test. Writes <out>/model.safetensors and
// <out>/metrics.json; returns the metrics with the transfer and fine-tune histories.
nlohmann::json linearize_part(const LoadedJetTagger& trained, const data::JetDataset& jets,
                              const FoldSplit& split, const LinearizeOptions& options,
                              const std::filesystem::path& out);

}  // namespace subq::tasks::jets
