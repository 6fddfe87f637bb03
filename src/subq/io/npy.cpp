#include "subq/io/npy.h"

#include <fmt/ranges.h>

#include <cstring>
#include <regex>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

uint32_t read_le(const std::string& bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

// The value text that follows 'key': in the header dict.
std::string dict_value(const std::string& header, const std::string& key,
                       const std::filesystem::path& path) {
  const std::regex pattern("['\"]" + key + "['\"]\\s*:\\s*(\\([^)]*\\)|'[^']*'|\"[^\"]*\"|True|False)");
  std::smatch match;
  SUBQ_CHECK(std::regex_search(header, match, pattern), "{}: .npy header has no '{}' entry: {}",
             path.string(), key, header);
  return match[1].str();
}

std::vector<int64_t> parse_shape(const std::string& text, const std::filesystem::path& path) {
  std::vector<int64_t> shape;
  const std::regex number("\\d+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number); it != std::sregex_iterator();
       ++it)
    shape.push_back(std::stoll(it->str()));
  const std::string inner = text.substr(1, text.size() - 2);
  SUBQ_CHECK(inner.find_first_not_of("0123456789, ") == std::string::npos,
             "{}: .npy shape {} is not a tuple of integers", path.string(), text);
  return shape;
}

struct DtypeInfo {
  torch::ScalarType type;
  size_t size;
};

DtypeInfo dtype_of(const std::string& descr, const std::filesystem::path& path) {
  SUBQ_CHECK(descr.size() >= 3, "{}: unsupported .npy dtype '{}'", path.string(), descr);
  const char order = descr[0];
  SUBQ_CHECK(order == '<' || order == '|' || order == '=',
             "{}: .npy dtype '{}' is big-endian; only little-endian data is supported",
             path.string(), descr);
  const std::string code = descr.substr(1);
  if (code == "f4") return {torch::kFloat32, 4};
  if (code == "f8") return {torch::kFloat64, 8};
  if (code == "f2") return {torch::kFloat16, 2};
  if (code == "i1") return {torch::kInt8, 1};
  if (code == "i2") return {torch::kInt16, 2};
  if (code == "i4") return {torch::kInt32, 4};
  if (code == "i8") return {torch::kInt64, 8};
  if (code == "u1") return {torch::kUInt8, 1};
  if (code == "b1") return {torch::kBool, 1};
  fail("{}: unsupported .npy dtype '{}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 b1)", path.string(),
       descr);
}

std::string descr_of(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return "<f4";
    case torch::kFloat64: return "<f8";
    case torch::kFloat16: return "<f2";
    case torch::kInt8: return "|i1";
    case torch::kInt16: return "<i2";
    case torch::kInt32: return "<i4";
    case torch::kInt64: return "<i8";
    case torch::kUInt8: return "|u1";
    case torch::kBool: return "|b1";
    default: fail("write_npy: dtype {} has no .npy equivalent", c10::toString(type));
  }
}

}  // namespace

NpyHeader parse_npy_header(const std::string& bytes, const std::filesystem::path& path) {
  SUBQ_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, kMagicSize) == 0,
             "{}: not a .npy file (missing \\x93NUMPY magic)", path.string());
  NpyHeader header;
  header.major_version = static_cast<unsigned char>(bytes[6]);
  SUBQ_CHECK(header.major_version >= 1 && header.major_version <= 3,
             "{}: unsupported .npy format version {}", path.string(), header.major_version);
  const size_t length_width = header.major_version == 1 ? 2 : 4;
  SUBQ_CHECK(bytes.size() >= 8 + length_width, "{}: truncated .npy header", path.string());
  const size_t header_len = read_le(bytes, 8, length_width);
  header.data_offset = 8 + length_width + header_len;
  SUBQ_CHECK(bytes.size() >= header.data_offset, "{}: truncated .npy header ({} bytes, needs {})",
             path.string(), bytes.size(), header.data_offset);
  const std::string dict = bytes.substr(8 + length_width, header_len);
  auto strip_quotes = [](std::string s) { return s.substr(1, s.size() - 2); };
  header.descr = strip_quotes(dict_value(dict, "descr", path));
  header.fortran_order = dict_value(dict, "fortran_order", path) == "True";
  header.shape = parse_shape(dict_value(dict, "shape", path), path);
  return header;
}

torch::Tensor read_npy(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  const NpyHeader header = parse_npy_header(bytes, path);
  SUBQ_CHECK(!header.fortran_order,
             "{}: .npy array is in Fortran order; save it with numpy.ascontiguousarray first",
             path.string());
  const DtypeInfo dtype = dtype_of(header.descr, path);
  int64_t count = 1;
  for (int64_t d : header.shape) count *= d;
  const size_t needed = static_cast<size_t>(count) * dtype.size;
  const size_t available = bytes.size() - header.data_offset;
  SUBQ_CHECK(available == needed,
             "{}: .npy data has {} bytes but shape ({}) of dtype {} needs {} (file truncated or "
             "corrupt)",
             path.string(), available, fmt::join(header.shape, ", "), header.descr, needed);
  auto tensor = torch::empty(header.shape, torch::TensorOptions().dtype(dtype.type));
  std::memcpy(tensor.data_ptr(), bytes.data() + header.data_offset, needed);
  return tensor;
}

void write_npy(const std::filesystem::path& path, const torch::Tensor& tensor) {
  const auto data = tensor.to(torch::kCPU).contiguous();
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}{}), }}",
                                 descr_of(data.scalar_type()), fmt::join(data.sizes(), ", "),
                                 data.dim() == 1 ? "," : "");
  // Pad so the data starts on a 64-byte boundary, ending the header with '\n' (numpy's rule).
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, kMagicSize);
    out.put(1);
    out.put(0);
    out.put(static_cast<char>(dict.size() & 0xff));
    out.put(static_cast<char>(dict.size() >> 8));
    out << dict;
    out.write(static_cast<const char*>(data.data_ptr()), data.nbytes());
  });
}

}  // namespace subq::io
