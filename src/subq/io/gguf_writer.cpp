#include "subq/io/gguf_writer.h"

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

using Type = GgufValue::Type;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_value(std::string& out, const GgufValue& v) {
  switch (v.type) {
    case Type::UINT8: return put<uint8_t>(out, uint8_t(std::get<uint64_t>(v.value)));
    case Type::UINT16: return put<uint16_t>(out, uint16_t(std::get<uint64_t>(v.value)));
    case Type::UINT32: return put<uint32_t>(out, uint32_t(std::get<uint64_t>(v.value)));
    case Type::UINT64: return put<uint64_t>(out, std::get<uint64_t>(v.value));
    case Type::INT8: return put<int8_t>(out, int8_t(std::get<int64_t>(v.value)));
    case Type::INT16: return put<int16_t>(out, int16_t(std::get<int64_t>(v.value)));
    case Type::INT32: return put<int32_t>(out, int32_t(std::get<int64_t>(v.value)));
    case Type::INT64: return put<int64_t>(out, std::get<int64_t>(v.value));
    case Type::FLOAT32: return put<float>(out, float(std::get<double>(v.value)));
    case Type::FLOAT64: return put<double>(out, std::get<double>(v.value));
    case Type::BOOL: return put<uint8_t>(out, std::get<bool>(v.value) ? 1 : 0);
    case Type::STRING: return put_string(out, std::get<std::string>(v.value));
    case Type::ARRAY: {
      const auto& items = std::get<std::vector<GgufValue>>(v.value);
      put<uint32_t>(out, uint32_t(v.array_type));
      put<uint64_t>(out, items.size());
      for (const auto& item : items) {
        SUBQ_CHECK(item.type == v.array_type, "GGUF writer: array of {} holds a {}",
                   gguf_value_type_name(v.array_type), gguf_value_type_name(item.type));
        put_value(out, item);
      }
      return;
    }
  }
  fail("GGUF writer: invalid value type {}", uint32_t(v.type));
}

void pad_to(std::string& out, uint64_t alignment) {
  out.append((alignment - out.size() % alignment) % alignment, '\0');
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  SUBQ_CHECK(alignment > 0 && (alignment & (alignment - 1)) == 0,
             "GGUF writer: alignment {} is not a power of two", alignment);
  if (alignment != 32) set("general.alignment", GgufValue::uint(Type::UINT32, alignment));
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : metadata_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::add_tensor(const std::string& name, const torch::Tensor& tensor, GgmlType type) {
  torch::ScalarType dtype;
  switch (type) {
    case GgmlType::F32: dtype = torch::kFloat32; break;
    case GgmlType::F16: dtype = torch::kFloat16; break;
    case GgmlType::BF16: dtype = torch::kBFloat16; break;
    default: fail("GGUF writer: tensor '{}': only F32/F16/BF16 can be written from a tensor", name);
  }
  auto t = tensor.detach().to(torch::kCPU).to(dtype).contiguous();
  std::vector<int64_t> ne(t.sizes().rbegin(), t.sizes().rend());
  if (ne.empty()) ne.push_back(1);
  add_raw_tensor(name, uint32_t(type), std::move(ne),
                 std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size()));
}

void GgufWriter::add_raw_tensor(const std::string& name, uint32_t type, std::vector<int64_t> ne,
                                std::string bytes) {
  int64_t count = 1;
  for (int64_t d : ne) count *= d;
  SUBQ_CHECK(!ne.empty() && ggml_row_bytes(type, ne[0]) * uint64_t(count / std::max<int64_t>(ne[0], 1)) == bytes.size(),
             "GGUF writer: tensor '{}' has {} bytes, which does not match its type {} and shape",
             name, bytes.size(), ggml_type_name(type));
  tensors_.push_back({name, type, std::move(ne), std::move(bytes)});
}

std::string GgufWriter::serialize(uint32_t version) const {
  std::string out;
  put<uint32_t>(out, 0x46554747);
  put<uint32_t>(out, version);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(out, key);
    put<uint32_t>(out, uint32_t(value.type));
    put_value(out, value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, uint32_t(t.ne.size()));
    for (int64_t d : t.ne) put<uint64_t>(out, uint64_t(d));
    put<uint32_t>(out, t.type);
    put<uint64_t>(out, offset);
    offset += (t.bytes.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  pad_to(out, alignment_);
  for (const auto& t : tensors_) {
    out += t.bytes;
    pad_to(out, alignment_);
  }
  return out;
}

void GgufWriter::write(const std::filesystem::path& path, uint32_t version) const {
  const std::string bytes = serialize(version);
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace subq::io
