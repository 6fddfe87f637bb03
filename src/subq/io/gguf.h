// GGUF (llama.cpp's container, v2 and v3): header, typed metadata key/values (all 13 value
// types, nested arrays), tensor infos, alignment (general.alignment, default 32), and tensor
// data. Parsed through a memory map; every offset and size is checked against the file, so a
// truncated or hostile file gives a subq::Error naming the file and the problem.
// Element types and dequantization live in ggml_types.h; writing in gguf_writer.h.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <torch/torch.h>

#include "subq/io/ggml_types.h"
#include "subq/io/mapped_file.h"

namespace subq::io {

// A metadata value: scalar, string, or array of values.
struct GgufValue {
  enum class Type : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
  };
  Type type = Type::UINT8;
  // Arrays only: the type of their elements (kept so empty arrays round-trip).
  Type array_type = Type::UINT8;
  // Unsigned ints -> uint64_t, signed -> int64_t, floats -> double.
  std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<GgufValue>> value;

  // Builders (the type says how the value is stored in a file).
  static GgufValue uint(Type type, uint64_t v);
  static GgufValue sint(Type type, int64_t v);
  static GgufValue real(Type type, double v);
  static GgufValue boolean(bool v);
  static GgufValue string(std::string v);
  static GgufValue array(Type element_type, std::vector<GgufValue> items);
  static GgufValue strings(const std::vector<std::string>& items);

  // Conversions with type checks (integers convert between widths when the value fits).
  int64_t as_int() const;
  double as_float() const;
  bool as_bool() const;
  const std::string& as_string() const;
  const std::vector<GgufValue>& as_array() const;
  std::vector<std::string> as_strings() const;
  std::vector<double> as_floats() const;
  std::vector<int64_t> as_ints() const;
  std::string to_display_string(size_t max_items = 8) const;
};
const char* gguf_value_type_name(GgufValue::Type type);

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // ggml order: ne[0] is the fastest-varying (columns)
  uint32_t type = 0;
  uint64_t offset = 0;      // relative to the data section
  uint64_t bytes = 0;       // computed from type and shape
  // Shape in torch (row-major) order: reversed ne.
  std::vector<int64_t> shape() const;
  int64_t numel() const;
};

class GgufFile {
 public:
  explicit GgufFile(const std::filesystem::path& path);

  uint32_t version() const { return version_; }
  const std::string& path() const { return file_->path(); }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  bool has(const std::string& key) const { return metadata_.count(key) > 0; }
  // Throws subq::Error naming the file and key when absent.
  const GgufValue& get(const std::string& key) const;
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;

  // The tensor dequantized to float32, in torch order (reversed ne). Throws for unknown
  // names and for types subq cannot dequantize.
  torch::Tensor load(const std::string& name) const;
  torch::Tensor load(const GgufTensorInfo& info) const;
  // Raw bytes of a tensor inside the map (info.bytes long).
  const uint8_t* tensor_data(const GgufTensorInfo& info) const;

 private:
  std::shared_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
  uint64_t data_offset_ = 0;
};

}  // namespace subq::io
