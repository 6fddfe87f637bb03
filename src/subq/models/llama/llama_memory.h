// A batch of sequences' memory for one LlamaModel: one nn::AttentionState per layer (a KV
// cache for softmax layers, window + linear state for hybrid ones). Kept apart from the
// model, as llama.cpp keeps its KV cache apart from the weights, so one model can serve
// several sequences and a state can be dropped or rebuilt without touching the weights.
#pragma once
#include <memory>
#include <vector>

#include "subq/nn/attention.h"

namespace subq::models {

class LlamaMemory {
 public:
  LlamaMemory(int64_t batch, std::vector<std::unique_ptr<nn::AttentionState>> layers);
  int64_t batch() const { return batch_; }
  int64_t n_layers() const { return static_cast<int64_t>(layers_.size()); }
  // Tokens consumed so far (the position of the next token).
  int64_t position() const;
  nn::AttentionState* layer(int64_t i) { return layers_.at(i).get(); }
  int64_t bytes() const;

 private:
  int64_t batch_;
  std::vector<std::unique_ptr<nn::AttentionState>> layers_;
};

}  // namespace subq::models
