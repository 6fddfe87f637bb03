// safetensors (Hugging Face): 8-byte little-endian header length, a JSON header mapping
// tensor names to {dtype, shape, data_offsets}, optional "__metadata__" (string -> string),
// then the raw little-endian tensor bytes. Read by memory map; written atomically.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "subq/io/mapped_file.h"

namespace subq::io {

using TensorMap = std::map<std::string, torch::Tensor>;
using StringMap = std::map<std::string, std::string>;

struct SafetensorsEntry {
  std::string dtype;            // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  size_t begin = 0, end = 0;    // byte range inside the data section
};

// Parses and validates the header of a safetensors file; tensors are loaded on request.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const StringMap& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }

  // The tensor as a fresh float32/int64/... CPU tensor (copied out of the map; F16/BF16
  // become float32 when `to_float` is set).
  torch::Tensor load(const std::string& name, bool to_float = true) const;
  TensorMap load_all(bool to_float = true) const;

 private:
  std::shared_ptr<MappedFile> file_;
  std::map<std::string, SafetensorsEntry> entries_;
  StringMap metadata_;
  size_t data_start_ = 0;
};

// Writes tensors (any CPU-convertible dtype among F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL)
// with optional metadata; the file appears atomically.
void save_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                      const StringMap& metadata = {});

}  // namespace subq::io
