#include "subq/io/gguf.h"

#include "subq/io/byte_reader.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxDims = 4;               // ggml tensors have at most 4 dimensions
constexpr int kMaxArrayDepth = 8;         // nested arrays deeper than this are hostile
constexpr uint64_t kMaxAlignment = 1u << 20;

using Type = GgufValue::Type;

// Smallest encoded size of one value of `type`; lets a count be checked against the bytes
// left before anything is allocated.
uint64_t min_encoded_size(Type type) {
  switch (type) {
    case Type::UINT8: case Type::INT8: case Type::BOOL: return 1;
    case Type::UINT16: case Type::INT16: return 2;
    case Type::UINT32: case Type::INT32: case Type::FLOAT32: return 4;
    case Type::UINT64: case Type::INT64: case Type::FLOAT64: case Type::STRING: return 8;
    case Type::ARRAY: return 12;
  }
  return 1;
}

class GgufParser {
 public:
  explicit GgufParser(ByteReader& in) : in_(in) {}

  std::string read_string(const char* what) {
    const auto n = in_.read<uint64_t>(what);
    SUBQ_CHECK(n <= in_.remaining(), "{}: {} at byte {} claims {} bytes but only {} remain",
               in_.source(), what, in_.position() - 8, n, in_.remaining());
    return in_.read_string(n, what);
  }

  Type read_type(const char* what) {
    const auto t = in_.read<uint32_t>(what);
    SUBQ_CHECK(t <= uint32_t(Type::FLOAT64), "{}: unknown metadata value type {} at byte {} ({})",
               in_.source(), t, in_.position() - 4, what);
    return Type(t);
  }

  GgufValue read_value(Type type, int depth) {
    switch (type) {
      case Type::UINT8: return GgufValue::uint(type, in_.read<uint8_t>("uint8 value"));
      case Type::INT8: return GgufValue::sint(type, in_.read<int8_t>("int8 value"));
      case Type::UINT16: return GgufValue::uint(type, in_.read<uint16_t>("uint16 value"));
      case Type::INT16: return GgufValue::sint(type, in_.read<int16_t>("int16 value"));
      case Type::UINT32: return GgufValue::uint(type, in_.read<uint32_t>("uint32 value"));
      case Type::INT32: return GgufValue::sint(type, in_.read<int32_t>("int32 value"));
      case Type::UINT64: return GgufValue::uint(type, in_.read<uint64_t>("uint64 value"));
      case Type::INT64: return GgufValue::sint(type, in_.read<int64_t>("int64 value"));
      case Type::FLOAT32: return GgufValue::real(type, in_.read<float>("float32 value"));
      case Type::FLOAT64: return GgufValue::real(type, in_.read<double>("float64 value"));
      case Type::BOOL: {
        const auto b = in_.read<uint8_t>("bool value");
        SUBQ_CHECK(b <= 1, "{}: bool value {} at byte {} is neither 0 nor 1", in_.source(), b,
                   in_.position() - 1);
        return GgufValue::boolean(b != 0);
      }
      case Type::STRING: return GgufValue::string(read_string("string value"));
      case Type::ARRAY: return read_array(depth);
    }
    fail("{}: unknown metadata value type {}", in_.source(), uint32_t(type));
  }

  GgufValue read_array(int depth) {
    SUBQ_CHECK(depth < kMaxArrayDepth, "{}: arrays nested deeper than {} at byte {}",
               in_.source(), kMaxArrayDepth, in_.position());
    const Type element = read_type("array element type");
    const auto count = in_.read<uint64_t>("array length");
    SUBQ_CHECK(count <= in_.remaining() / min_encoded_size(element),
               "{}: array of {} {} values at byte {} does not fit in the {} bytes left",
               in_.source(), count, gguf_value_type_name(element), in_.position() - 12,
               in_.remaining());
    std::vector<GgufValue> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) items.push_back(read_value(element, depth + 1));
    return GgufValue::array(element, std::move(items));
  }

  GgufTensorInfo read_tensor_info() {
    GgufTensorInfo t;
    t.name = read_string("tensor name");
    const auto n_dims = in_.read<uint32_t>("tensor dimension count");
    SUBQ_CHECK(n_dims >= 1 && n_dims <= kMaxDims, "{}: tensor '{}' has {} dimensions (1..{} allowed)",
               in_.source(), t.name, n_dims, kMaxDims);
    uint64_t count = 1;
    for (uint32_t i = 0; i < n_dims; ++i) {
      const auto d = in_.read<uint64_t>("tensor dimension");
      // 2^48 elements is far beyond any file, and keeps every product below 2^63.
      SUBQ_CHECK(d <= (uint64_t(1) << 48) && (d == 0 || count <= (uint64_t(1) << 48) / d),
                 "{}: tensor '{}' has an absurd or overflowing shape (dimension {} = {})",
                 in_.source(), t.name, i, d);
      count *= d;
      t.ne.push_back(int64_t(d));
    }
    t.type = in_.read<uint32_t>("tensor type");
    const GgmlTypeTraits* traits = ggml_type_traits(t.type);
    SUBQ_CHECK(traits, "{}: tensor '{}' has unknown ggml type {}", in_.source(), t.name, t.type);
    SUBQ_CHECK(t.ne[0] % traits->block_elems == 0,
               "{}: tensor '{}' row of {} elements is not a whole number of {} blocks ({})",
               in_.source(), t.name, t.ne[0], traits->name, traits->block_elems);
    t.bytes = count / traits->block_elems * traits->block_bytes;
    t.offset = in_.read<uint64_t>("tensor data offset");
    return t;
  }

 private:
  ByteReader& in_;
};

}  // namespace

std::vector<int64_t> GgufTensorInfo::shape() const { return {ne.rbegin(), ne.rend()}; }

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

GgufFile::GgufFile(const std::filesystem::path& path) : file_(std::make_shared<MappedFile>(path)) {
  const std::string& p = file_->path();
  ByteReader in(file_->data(), file_->size(), p);
  GgufParser parser(in);
  SUBQ_CHECK(file_->size() >= 4 && in.read<uint32_t>("magic") == kMagic,
             "{}: not a GGUF file (the first 4 bytes are not \"GGUF\")", p);
  version_ = in.read<uint32_t>("version");
  SUBQ_CHECK(version_ == 2 || version_ == 3,
             "{}: GGUF version {} is not supported (only 2 and 3; a huge number means a "
             "big-endian file)", p, version_);
  const auto n_tensors = in.read<uint64_t>("tensor count");
  const auto n_kv = in.read<uint64_t>("metadata count");
  // Each key/value takes >= 13 bytes and each tensor info >= 28: reject absurd counts early.
  SUBQ_CHECK(n_kv <= in.remaining() / 13, "{}: metadata count {} cannot fit in the file", p, n_kv);
  SUBQ_CHECK(n_tensors <= in.remaining() / 28, "{}: tensor count {} cannot fit in the file", p,
             n_tensors);

  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = parser.read_string("metadata key");
    const Type type = parser.read_type(key.c_str());
    GgufValue value = parser.read_value(type, 0);
    SUBQ_CHECK(!metadata_.count(key), "{}: metadata key '{}' appears twice", p, key);
    metadata_.emplace(std::move(key), std::move(value));
  }
  if (has("general.alignment")) {
    const GgufValue& a = get("general.alignment");
    SUBQ_CHECK(a.type == Type::UINT32, "{}: general.alignment must be uint32, not {}", p,
               gguf_value_type_name(a.type));
    alignment_ = uint64_t(a.as_int());
    SUBQ_CHECK(alignment_ > 0 && alignment_ <= kMaxAlignment && (alignment_ & (alignment_ - 1)) == 0,
               "{}: general.alignment {} is not a power of two up to {}", p, alignment_,
               kMaxAlignment);
  }

  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t = parser.read_tensor_info();
    SUBQ_CHECK(t.offset % alignment_ == 0, "{}: tensor '{}' offset {} is not a multiple of the alignment {}",
               p, t.name, t.offset, alignment_);
    SUBQ_CHECK(tensor_index_.emplace(t.name, tensors_.size()).second,
               "{}: tensor '{}' appears twice", p, t.name);
    tensors_.push_back(std::move(t));
  }

  const uint64_t pos = in.position();
  data_offset_ = (pos + alignment_ - 1) / alignment_ * alignment_;
  // A file without tensors may end right after its metadata, before the alignment padding.
  SUBQ_CHECK(tensors_.empty() || data_offset_ <= file_->size(),
             "{}: truncated before the tensor data section (needs byte {}, file has {})", p,
             data_offset_, file_->size());
  const uint64_t data_size = data_offset_ <= file_->size() ? file_->size() - data_offset_ : 0;
  for (const auto& t : tensors_) {
    SUBQ_CHECK(t.offset <= data_size && t.bytes <= data_size - t.offset,
               "{}: tensor '{}' ({} {} bytes at data offset {}) extends beyond the end of the file "
               "({} data bytes)", p, t.name, ggml_type_name(t.type), t.bytes, t.offset, data_size);
  }
}

const GgufValue& GgufFile::get(const std::string& key) const {
  auto it = metadata_.find(key);
  SUBQ_CHECK(it != metadata_.end(), "{}: metadata key '{}' is missing", path(), key);
  return it->second;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* GgufFile::tensor_data(const GgufTensorInfo& info) const {
  return file_->data() + data_offset_ + info.offset;
}

torch::Tensor GgufFile::load(const std::string& name) const {
  const GgufTensorInfo* info = find_tensor(name);
  SUBQ_CHECK(info, "{}: no tensor named '{}'", path(), name);
  return load(*info);
}

torch::Tensor GgufFile::load(const GgufTensorInfo& info) const {
  SUBQ_CHECK(ggml_type_traits(info.type)->dequantize,
             "{}: tensor '{}' has type {}, which subq cannot dequantize yet", path(), info.name,
             ggml_type_name(info.type));
  auto out = torch::empty(info.shape(), torch::kFloat32);
  dequantize(info.type, tensor_data(info), out.data_ptr<float>(), info.numel());
  return out;
}

}  // namespace subq::io
