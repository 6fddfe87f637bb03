#include "subq/io/safetensors.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  size_t bytes;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},     {"I8", torch::kInt8, 1},   {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo& find_dtype(torch::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d;
  fail("safetensors: unsupported tensor dtype {}", c10::toString(type));
}

constexpr uint64_t kMaxHeader = 100u << 20;  // the format caps headers at 100 MB

}  // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_shared<MappedFile>(path)) {
  const std::string& p = file_->path();
  SUBQ_CHECK(file_->size() >= 8, "{}: too short for a safetensors file ({} bytes)", p, file_->size());
  uint64_t header_len = 0;
  std::memcpy(&header_len, file_->data(), 8);
  SUBQ_CHECK(header_len <= kMaxHeader && header_len <= file_->size() - 8,
             "{}: header length {} exceeds the file ({} bytes)", p, header_len, file_->size());
  data_start_ = 8 + header_len;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file_->data() + 8, file_->data() + data_start_);
  } catch (const std::exception& e) {
    fail("{}: safetensors header is not valid JSON ({})", p, e.what());
  }
  SUBQ_CHECK(header.is_object(), "{}: safetensors header is not a JSON object", p);
  const size_t data_size = file_->size() - data_start_;
  for (auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      SUBQ_CHECK(value.is_object(), "{}: __metadata__ is not an object", p);
      for (auto& [k, v] : value.items())
        metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
      continue;
    }
    try {
      SafetensorsEntry e;
      e.dtype = value.at("dtype").get<std::string>();
      const DtypeInfo* info = find_dtype(e.dtype);
      SUBQ_CHECK(info, "{}: tensor '{}' has unsupported dtype '{}'", p, name, e.dtype);
      e.shape = value.at("shape").get<std::vector<int64_t>>();
      SUBQ_CHECK(e.shape.size() <= 8, "{}: tensor '{}' has {} dimensions", p, name, e.shape.size());
      uint64_t count = 1;
      for (int64_t d : e.shape) {
        SUBQ_CHECK(d >= 0 && (d == 0 || count <= (uint64_t(1) << 48) / uint64_t(d)),
                   "{}: tensor '{}' has an invalid or overflowing shape", p, name);
        count *= uint64_t(d);
      }
      const auto offsets = value.at("data_offsets").get<std::vector<uint64_t>>();
      SUBQ_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size,
                 "{}: tensor '{}' data_offsets lie outside the file's {} data bytes", p, name,
                 data_size);
      SUBQ_CHECK(offsets[1] - offsets[0] == count * info->bytes,
                 "{}: tensor '{}' has {} bytes but its shape needs {}", p, name,
                 offsets[1] - offsets[0], count * info->bytes);
      e.begin = offsets[0];
      e.end = offsets[1];
      entries_[name] = std::move(e);
    } catch (const nlohmann::json::exception& ex) {
      fail("{}: malformed entry for tensor '{}' ({})", p, name, ex.what());
    }
  }
}

torch::Tensor SafetensorsFile::load(const std::string& name, bool to_float) const {
  auto it = entries_.find(name);
  SUBQ_CHECK(it != entries_.end(), "{}: no tensor named '{}'", file_->path(), name);
  const auto& e = it->second;
  const DtypeInfo* info = find_dtype(e.dtype);
  auto t = torch::empty(e.shape, torch::dtype(info->type));
  if (e.end > e.begin) std::memcpy(t.data_ptr(), file_->data() + data_start_ + e.begin, e.end - e.begin);
  if (to_float && (info->type == torch::kFloat16 || info->type == torch::kBFloat16))
    t = t.to(torch::kFloat32);
  return t;
}

TensorMap SafetensorsFile::load_all(bool to_float) const {
  TensorMap out;
  for (const auto& [name, _] : entries_) out[name] = load(name, to_float);
  return out;
}

void save_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                      const StringMap& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const DtypeInfo& info = find_dtype(t.scalar_type());
    const size_t bytes = static_cast<size_t>(t.numel()) * info.bytes;
    header[name] = {{"dtype", info.name},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(t);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep tensor data 8-byte aligned
  write_file_atomically(path, [&](std::ostream& out) {
    const uint64_t len = text.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : contiguous)
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
  });
}

}  // namespace subq::io
