// A BERT encoder: word + position + token-type embeddings and a LayerNorm, then n_layers
// post-LN blocks (bidirectional self-attention with biases -> add & LayerNorm -> GELU
// feed-forward -> add & LayerNorm), and the tanh pooler over the first token. It outputs
// embeddings (last hidden states, pooled vector), not logits.
#pragma once
#include <filesystem>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "subq/models/bert/bert_config.h"
#include "subq/nn/linear.h"
#include "subq/nn/norm.h"

namespace subq::models {

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertConfig& config);
  // x: (B, L, dim); key_bias: (B, 1, 1, L) additive (0 or -inf for padding) or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias);
  void for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit);

  std::shared_ptr<nn::LinearLayer> q_proj, k_proj, v_proj, o_proj, up_proj, down_proj;
  std::shared_ptr<nn::LayerNormImpl> attn_norm, mlp_norm;

 private:
  int64_t n_heads_, head_dim_;
  std::string activation_;
};
TORCH_MODULE(BertLayer);

class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(BertConfig config);
  // ids (B, L) -> last hidden states (B, L, dim). token_types (B, L) default to 0; mask (B, L)
  // (1 = token, 0 = padding) defaults to all ones.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& token_types = {},
                        const torch::Tensor& mask = {});
  // tanh(dense(hidden[:, 0])) -> (B, dim).
  torch::Tensor pool(const torch::Tensor& hidden);
  void for_each_linear(const nn::LinearVisitor& visit);
  const BertConfig& config() const { return config_; }

  torch::nn::Embedding word{nullptr}, position{nullptr}, token_type{nullptr};
  std::shared_ptr<nn::LayerNormImpl> embed_norm;
  std::vector<BertLayer> layers;
  std::shared_ptr<nn::LinearLayer> pooler;
  bool has_pooler = true;  // false when the checkpoint had no pooler weights (pool() refuses)

 private:
  BertConfig config_;
};
TORCH_MODULE(BertModel);

// Loads a Hugging Face BERT directory (config.json + model.safetensors; tensor names with or
// without the "bert." prefix); every tensor's presence and shape is checked.
BertModel load_bert(const std::filesystem::path& dir);

// True when `dir` holds a config.json of model_type "bert".
bool is_bert_directory(const std::filesystem::path& dir);

}  // namespace subq::models
