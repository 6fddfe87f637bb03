#include "subq/transforms/linearize/attention_transfer.h"

#include "subq/util/error.h"

namespace subq::transforms {

LinearizedAttentionsImpl::LinearizedAttentionsImpl(const models::LlamaConfig& model_config,
                                                   const nn::AttentionConfig& attention)
    : config(attention) {
  // "softmax" is the control run: the base's own attention kept, LoRA only (no new parameters
  // here), which separates what LoRA's fine-tuning gives from what linearizing costs.
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < model_config.n_layers; ++i) {
    layers_.push_back(nn::make_lm_attention(attention, model_config.attention_shape()));
    list->push_back(layers_.back());
  }
}

void LinearizedAttentionsImpl::install(models::LlamaModelImpl& model) const {
  SUBQ_CHECK(model.layers.size() == layers_.size(), "linearized attentions are for {} layers, the model has {}",
             layers_.size(), model.layers.size());
  for (size_t i = 0; i < layers_.size(); ++i) model.layers[i]->attn->set_kind(layers_[i]);
}

TeacherAttention teacher_attention(models::LlamaBlockImpl& block, const torch::Tensor& h) {
  torch::NoGradGuard no_grad;
  TeacherAttention t;
  std::tie(t.q, t.k, t.v) = block.attn->project_qkv(block.attn_norm->forward(h), 0);
  t.output = block.attn->kind->forward(t.q, t.k, t.v, nullptr);
  return t;
}

namespace {
torch::Tensor squared_error(nn::AttentionKind& student, const TeacherAttention& t) {
  return (student.forward(t.q, t.k, t.v, nullptr) - t.output).pow(2).sum();
}
}  // namespace

train::LossSum attention_transfer_loss(models::LlamaModelImpl& teacher, LinearizedAttentionsImpl& students,
                                       const torch::Tensor& tokens) {
  torch::Tensor h;
  {
    torch::NoGradGuard no_grad;
    h = teacher.embed(tokens);  // + learned positions (GPT-2)
  }
  torch::Tensor total = torch::zeros({}, h.options());
  double elements = 0;
  const auto n_layers = static_cast<int64_t>(teacher.layers.size());
  for (int64_t i = 0; i < n_layers; ++i) {
    auto& block = teacher.layers[i];
    const auto t = teacher_attention(*block, h);
    total = total + squared_error(*students.layer(i), t);
    elements = static_cast<double>(t.output.numel());
    {
      // The teacher's next hidden state, reusing its attention output (the block's own
      // forward would recompute q, k, v and the softmax).
      torch::NoGradGuard no_grad;
      const auto B = t.output.size(0), L = t.output.size(2);
      auto mixed = block->attn->o_proj->forward(t.output.transpose(1, 2).reshape({B, L, -1}));
      h = h + mixed;
      h = h + block->mlp->forward(block->mlp_norm->forward(h));
    }
  }
  return {total * (kTransferLossScale / n_layers), elements, tokens.numel()};
}

train::LossSum layer_transfer_loss(models::LlamaBlockImpl& block, nn::AttentionKind& student,
                                   const torch::Tensor& hidden) {
  const auto t = teacher_attention(block, hidden);
  return {squared_error(student, t) * kTransferLossScale, static_cast<double>(t.output.numel()),
          hidden.size(0) * hidden.size(1)};
}

}  // namespace subq::transforms
