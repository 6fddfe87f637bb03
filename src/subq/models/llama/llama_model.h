// A decoder-only transformer of any family in models/families/ (Llama 1/2/3, TinyLlama,
// SmolLM, llama2.c models, Mistral, Qwen2, GPT-2): token embedding (+ learned positions for
// GPT-2), n_layers LlamaBlocks, final norm, output projection (tied to the embedding or
// separate). Two ways to run it:
//  - forward(tokens): causal pass over a batch (B, L) with no memory (training, perplexity);
//    right-padded batches are fine since no real token attends to a later pad.
//  - forward(tokens, memory): continues the sequences held in a LlamaMemory (prefill and
//    decode); prefill() feeds a long prompt in chunks, decode() one token per sequence.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "subq/models/llama/llama_block.h"
#include "subq/models/llama/llama_config.h"
#include "subq/models/llama/llama_memory.h"
#include "subq/nn/linear.h"
#include "subq/nn/norm.h"

namespace subq::models {

class LlamaModelImpl : public torch::nn::Module {
 public:
  explicit LlamaModelImpl(LlamaConfig config);

  // tokens (B, L) int64 -> logits (B, L, vocab).
  torch::Tensor forward(const torch::Tensor& tokens);
  // Continues `memory` with tokens (B, L); logits (B, L, vocab), or (B, vocab) for the last
  // position only when `last_only` (saves the vocab projection of a long prompt).
  torch::Tensor forward(const torch::Tensor& tokens, LlamaMemory& memory, bool last_only = false);
  // Feeds a prompt (B, L) in chunks of at most `chunk` tokens (bounds the attention score
  // matrix); returns the last position's logits (B, vocab).
  torch::Tensor prefill(const torch::Tensor& tokens, LlamaMemory& memory, int64_t chunk = 512);
  // One token per sequence (B,) -> logits (B, vocab).
  torch::Tensor decode(const torch::Tensor& tokens, LlamaMemory& memory);

  // The first layer's input for tokens (B, L) at positions start..start+L-1: token
  // embeddings, plus learned positions where the family has them (GPT-2).
  torch::Tensor embed(const torch::Tensor& tokens, int64_t start = 0);
  // Final-normed hidden states (B, L, dim), and the output projection of them.
  torch::Tensor hidden_states(const torch::Tensor& tokens, LlamaMemory* memory);
  torch::Tensor logits(const torch::Tensor& hidden);

  // Fresh, empty memory for `batch` sequences on the model's device.
  LlamaMemory new_memory(int64_t batch) const;

  // Every projection with its dotted path: "layers.3.attn.q_proj", ..., "layers.3.mlp.down_proj",
  // and "output" when the output matrix is not tied to the embedding.
  void for_each_linear(const nn::LinearVisitor& visit);

  const LlamaConfig& config() const { return config_; }
  torch::Device device() const { return embedding->weight.device(); }
  int64_t parameter_count() const;

  torch::nn::Embedding embedding{nullptr};      // "tok_embeddings"
  torch::nn::Embedding positions{nullptr};      // "pos_embeddings"; learned positions only
  std::vector<LlamaBlock> layers;               // "layers.N"
  std::shared_ptr<nn::NormLayer> norm;          // "norm"
  std::shared_ptr<nn::LinearLayer> output;      // "output"; null when tied

 private:
  LlamaConfig config_;
};
TORCH_MODULE(LlamaModel);

}  // namespace subq::models
