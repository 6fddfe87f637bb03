// Writes GGUF v3 files: metadata of every value type, float tensors (stored as F32, F16 or
// BF16) and pre-encoded blocks of any ggml type. Used to export models and by the tests to
// build small and deliberately corrupt files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "subq/io/gguf.h"

namespace subq::io {

class GgufWriter {
 public:
  // `alignment` != 32 is recorded as general.alignment.
  explicit GgufWriter(uint32_t alignment = 32);

  // Metadata in insertion order; setting a key again replaces its value.
  void set(const std::string& key, GgufValue value);
  // A float tensor stored as F32, F16 or BF16 (torch shape; ggml ne is the reverse).
  void add_tensor(const std::string& name, const torch::Tensor& tensor,
                  GgmlType type = GgmlType::F32);
  // Already-encoded data of any known ggml type; `bytes` must match type and shape.
  void add_raw_tensor(const std::string& name, uint32_t type, std::vector<int64_t> ne,
                      std::string bytes);

  // The whole file as bytes (tests corrupt it), and an atomic write to disk.
  std::string serialize(uint32_t version = 3) const;
  void write(const std::filesystem::path& path, uint32_t version = 3) const;

 private:
  struct Tensor {
    std::string name;
    uint32_t type;
    std::vector<int64_t> ne;
    std::string bytes;
  };
  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace subq::io
