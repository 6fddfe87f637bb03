// Block-wise attention transfer for models larger than memory: the teacher runs once over the
// training chunks and each layer's *input* hidden states go to disk (one float32 file per
// layer, chunk-major); every layer's new attention then trains from its own file, one layer
// after another, holding only one batch of one layer in memory.
//
//   DIR/cache.json       {"layers", "chunks", "seq_len", "dim"}; written last: its presence
//                        means the cache is complete
//   DIR/layer<i>.f32     chunks x seq_len x dim float32, row-major
#pragma once
#include <filesystem>
#include <vector>

#include <torch/torch.h>

#include "subq/data/text_packing.h"
#include "subq/models/llama/llama_model.h"

namespace subq::transforms {

class HiddenStateCache {
 public:
  // Runs `teacher` (its softmax attention) over all chunks, `batch` chunks at a time, and
  // writes the cache to `dir` (built in DIR.partial, renamed when complete).
  static void build(models::LlamaModelImpl& teacher, const data::PackedChunks& chunks,
                    const std::filesystem::path& dir, int64_t batch);
  static bool complete(const std::filesystem::path& dir);

  explicit HiddenStateCache(std::filesystem::path dir);  // a complete cache; errors otherwise
  // (B, seq_len, dim) input hidden states of `layer` for these chunks.
  torch::Tensor read(int64_t layer, const std::vector<int64_t>& chunks) const;
  int64_t layers() const { return layers_; }
  int64_t chunks() const { return chunks_; }

 private:
  std::filesystem::path dir_;
  int64_t layers_ = 0, chunks_ = 0, seq_len_ = 0, dim_ = 0;
};

}  // namespace subq::transforms
