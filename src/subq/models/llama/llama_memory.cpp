#include "subq/models/llama/llama_memory.h"

namespace subq::models {

LlamaMemory::LlamaMemory(int64_t batch, std::vector<std::unique_ptr<nn::AttentionState>> layers)
    : batch_(batch), layers_(std::move(layers)) {}

int64_t LlamaMemory::position() const { return layers_.empty() ? 0 : layers_.front()->position(); }

int64_t LlamaMemory::bytes() const {
  int64_t n = 0;
  for (const auto& l : layers_) n += l->bytes();
  return n;
}

}  // namespace subq::models
