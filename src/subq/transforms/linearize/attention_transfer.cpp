#include "subq/transforms/linearize/attention_transfer.h"

#include "subq/util/error.h"

namespace subq::transforms {

LinearizedAttentionsImpl::LinearizedAttentionsImpl(const models::LlamaConfig& model_config,
                                                   const nn::AttentionConfig& attention)
    : config(attention) {
  SUBQ_CHECK(attention.kind != "softmax", "linearize: the new attention must be hybrid or linear, not softmax");
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < model_config.n_layers; ++i) {
    layers_.push_back(nn::make_attention(attention, model_config.attention_shape()));
    list->push_back(layers_.back());
  }
}

void LinearizedAttentionsImpl::install(models::LlamaModelImpl& model) const {
  SUBQ_CHECK(model.layers.size() == layers_.size(), "linearized attentions are for {} layers, the model has {}",
             layers_.size(), model.layers.size());
  for (size_t i = 0; i < layers_.size(); ++i) model.layers[i]->attn->set_kind(layers_[i]);
}

train::LossSum attention_transfer_loss(models::LlamaModelImpl& teacher, LinearizedAttentionsImpl& students,
                                       const torch::Tensor& tokens) {
  torch::Tensor h;
  {
    torch::NoGradGuard no_grad;
    h = teacher.embedding->forward(tokens.to(teacher.device(), torch::kLong));
  }
  torch::Tensor total = torch::zeros({}, h.options());
  double elements = 0;
  const auto n_layers = static_cast<int64_t>(teacher.layers.size());
  for (int64_t i = 0; i < n_layers; ++i) {
    auto& block = teacher.layers[i];
    torch::Tensor q, k, v, target;
    {
      torch::NoGradGuard no_grad;
      std::tie(q, k, v) = block->attn->project_qkv(block->attn_norm->forward(h), 0);
      target = block->attn->kind->forward(q, k, v, nullptr);
    }
    auto student = students.layer(i)->forward(q, k, v, nullptr);
    total = total + (student - target).pow(2).sum();
    elements = static_cast<double>(target.numel());
    {
      // The teacher's next hidden state, reusing its attention output (the block's own
      // forward would recompute q, k, v and the softmax).
      torch::NoGradGuard no_grad;
      const auto B = target.size(0), L = target.size(2);
      auto mixed = block->attn->o_proj->forward(target.transpose(1, 2).reshape({B, L, -1}));
      h = h + mixed;
      h = h + block->mlp->forward(block->mlp_norm->forward(h));
    }
  }
  return {total * (kTransferLossScale / n_layers), elements, tokens.numel()};
}

}  // namespace subq::transforms
