#include "subq/data/hdf5_jets.h"

#include <fmt/ranges.h>

#include <hdf5.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "subq/util/error.h"

namespace subq::data {
namespace {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Silences HDF5's own error printing while subq reports errors itself.
struct QuietHdf5 {
  QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const QuietHdf5 quiet_hdf5;

bool exists(hid_t where, const std::string& name) {
  return H5Lexists(where, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<hsize_t> dataset_shape(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(std::max(rank, 0));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

// Reads rows [0, rows) of a dataset into a tensor of `type`, converted by HDF5.
torch::Tensor read_rows(hid_t file, const std::string& name, torch::ScalarType type, hid_t mem_type,
                        int64_t rows, const std::filesystem::path& path) {
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  SUBQ_CHECK(dataset.valid(), "{}: missing dataset '{}'", path.string(), name);
  auto dims = dataset_shape(dataset.get());
  SUBQ_CHECK(!dims.empty(), "{}: dataset '{}' is a scalar", path.string(), name);
  if (rows >= 0) dims[0] = std::min<hsize_t>(dims[0], rows);
  std::vector<int64_t> shape(dims.begin(), dims.end());
  auto out = torch::empty(shape, type);
  Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
  std::vector<hsize_t> start(dims.size(), 0);
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, dims.data(), nullptr);
  Handle mem_space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  SUBQ_CHECK(H5Dread(dataset.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT,
                     out.data_ptr()) >= 0,
             "{}: cannot read dataset '{}' (corrupt or wrong type)", path.string(), name);
  return out;
}

// Reads a 1-D dataset of fixed-length strings (pandas' column names).
std::vector<std::string> read_strings(hid_t file, const std::string& name,
                                      const std::filesystem::path& path) {
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  SUBQ_CHECK(dataset.valid(), "{}: missing dataset '{}'", path.string(), name);
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  SUBQ_CHECK(H5Tget_class(type.get()) == H5T_STRING && !H5Tis_variable_str(type.get()),
             "{}: '{}' is not an array of fixed-length strings", path.string(), name);
  const size_t width = H5Tget_size(type.get());
  const auto dims = dataset_shape(dataset.get());
  SUBQ_CHECK(dims.size() == 1, "{}: '{}' must be 1-D", path.string(), name);
  std::vector<char> buffer(dims[0] * width);
  SUBQ_CHECK(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0,
             "{}: cannot read '{}'", path.string(), name);
  std::vector<std::string> out;
  for (hsize_t i = 0; i < dims[0]; ++i) {
    std::string s(buffer.data() + i * width, width);
    s.erase(s.find_last_not_of('\0') + 1);
    out.push_back(s);
  }
  return out;
}

data::JetDataset read_top_tagging(hid_t file, const std::filesystem::path& path,
                                  const data::JetLoadOptions& options) {
  // Column name -> (block, column index within block).
  std::map<std::string, std::pair<int, int64_t>> where;
  std::vector<torch::Tensor> blocks;
  const int64_t rows = options.max_jets > 0 ? options.max_jets : -1;
  for (int b = 0; exists(file, fmt::format("/table/block{}_items", b)); ++b) {
    const auto items = read_strings(file, fmt::format("/table/block{}_items", b), path);
    auto values = read_rows(file, fmt::format("/table/block{}_values", b), torch::kFloat64,
                            H5T_NATIVE_DOUBLE, rows, path);
    SUBQ_CHECK(values.dim() == 2 && values.size(1) == static_cast<int64_t>(items.size()),
               "{}: /table/block{}_values has shape ({}) but {} column names", path.string(), b,
               fmt::join(values.sizes(), ", "), items.size());
    for (size_t c = 0; c < items.size(); ++c) where[items[c]] = {b, static_cast<int64_t>(c)};
    blocks.push_back(values);
  }
  SUBQ_CHECK(!blocks.empty(),
             "{}: group /table has no block0_items; only pandas 'fixed' format is supported "
             "(re-save with DataFrame.to_hdf(path, key='table', format='fixed'))",
             path.string());
  auto column = [&](const std::string& name) {
    auto it = where.find(name);
    SUBQ_CHECK(it != where.end(), "{}: Top-tagging table has no column '{}'", path.string(), name);
    return blocks[it->second.first].select(1, it->second.second);
  };
  int64_t particles = 0;
  while (where.count(fmt::format("E_{}", particles))) ++particles;
  SUBQ_CHECK(particles > 0, "{}: Top-tagging table has no E_0 column", path.string());
  const int64_t n = blocks[0].size(0);
  auto four = torch::empty({n, 4, particles}, torch::kFloat64);
  const char* prefixes[] = {"PX", "PY", "PZ", "E"};
  for (int64_t i = 0; i < particles; ++i)
    for (int c = 0; c < 4; ++c) four.select(1, c).select(1, i).copy_(column(fmt::format("{}_{}", prefixes[c], i)));
  const auto labels = column("is_signal_new");
  return data::make_jet_dataset(four, four.select(1, 3) > 0, labels.round().to(torch::kInt64),
                                data::default_class_names(2), path.string(), options.max_particles);
}

std::string read_string_attribute(hid_t object, const char* name, const std::filesystem::path& path) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  SUBQ_CHECK(attr.valid(), "{}: missing attribute '{}'", path.string(), name);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  SUBQ_CHECK(H5Tget_class(type.get()) == H5T_STRING, "{}: attribute '{}' is not a string",
             path.string(), name);
  if (H5Tis_variable_str(type.get())) {
    char* value = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes UTF-8 strings
    SUBQ_CHECK(H5Aread(attr.get(), mem.get(), &value) >= 0, "{}: cannot read attribute '{}'",
               path.string(), name);
    std::string out = value ? value : "";
    H5free_memory(value);
    return out;
  }
  std::string out(H5Tget_size(type.get()), '\0');
  SUBQ_CHECK(H5Aread(attr.get(), type.get(), out.data()) >= 0, "{}: cannot read attribute '{}'",
             path.string(), name);
  out.erase(out.find_last_not_of('\0') + 1);
  return out;
}

int64_t read_int_attribute(hid_t object, const char* name, const std::filesystem::path& path) {
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  SUBQ_CHECK(attr.valid(), "{}: missing attribute '{}'", path.string(), name);
  int64_t value = 0;
  SUBQ_CHECK(H5Aread(attr.get(), H5T_NATIVE_INT64, &value) >= 0, "{}: cannot read attribute '{}'",
             path.string(), name);
  return value;
}

std::vector<std::string> split_names(const std::string& joined) {
  std::vector<std::string> out;
  std::stringstream ss(joined);
  std::string s;
  while (std::getline(ss, s, ',')) out.push_back(s);
  return out;
}

data::JetDataset read_subq_schema(hid_t file, const std::filesystem::path& path,
                                  const data::JetLoadOptions& options) {
  const int64_t version = read_int_attribute(file, "version", path);
  SUBQ_CHECK(version == kJetSchemaVersion, "{}: subq-jets schema version {} (this build reads {})",
             path.string(), version, kJetSchemaVersion);
  const auto names = split_names(read_string_attribute(file, "class_names", path));
  SUBQ_CHECK(!names.empty(), "{}: attribute class_names is empty", path.string());
  const int64_t rows = options.max_jets > 0 ? options.max_jets : -1;
  auto four = read_rows(file, "/four_vectors", torch::kFloat32, H5T_NATIVE_FLOAT, rows, path);
  auto mask = read_rows(file, "/mask", torch::kUInt8, H5T_NATIVE_UINT8, rows, path);
  auto labels = read_rows(file, "/labels", torch::kInt64, H5T_NATIVE_INT64, rows, path);
  SUBQ_CHECK(four.dim() == 3 && four.size(1) == 4, "{}: /four_vectors must be (N, 4, P), got ({})",
             path.string(), fmt::join(four.sizes(), ", "));
  std::optional<data::JetParticleExtras> extras;
  if (exists(file, "/particles")) {
    extras = data::JetParticleExtras{};
    for (auto& [name, tensor] : extras->named())
      *tensor = read_rows(file, "/particles/" + name, torch::kFloat32, H5T_NATIVE_FLOAT, rows, path);
  }
  return data::make_jet_dataset(four, mask != 0, labels, names, path.string(),
                                options.max_particles, extras);
}

void write_dataset(hid_t file, const std::string& name, const torch::Tensor& tensor, hid_t file_type,
                   hid_t mem_type) {
  const auto data = tensor.contiguous();
  std::vector<hsize_t> dims(data.sizes().begin(), data.sizes().end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dataset(H5Dcreate2(file, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT),
                 H5Dclose);
  SUBQ_CHECK(dataset.valid() && H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                         data.data_ptr()) >= 0,
             "cannot write HDF5 dataset '{}'", name);
}

void write_attribute(hid_t object, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<size_t>(1, value.size()));
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(attr.get(), type.get(), value.c_str());
}

void write_attribute(hid_t object, const char* name, int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(attr.get(), H5T_NATIVE_INT64, &value);
}

}  // namespace

data::JetDataset read_jet_h5(const std::filesystem::path& path, const data::JetLoadOptions& options) {
  SUBQ_CHECK(H5Fis_hdf5(path.c_str()) > 0,
             "{}: not an HDF5 file (jet data must be a directory of .npy files, a Top-tagging "
             ".h5 or a subq-jets .h5)",
             path.string());
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  SUBQ_CHECK(file.valid(), "{}: cannot open HDF5 file (truncated or corrupt)", path.string());
  if (H5Aexists(file.get(), "format") > 0) {
    const auto format = read_string_attribute(file.get(), "format", path);
    SUBQ_CHECK(format == kJetSchemaFormat, "{}: HDF5 attribute format = '{}', expected '{}'",
               path.string(), format, kJetSchemaFormat);
    return read_subq_schema(file.get(), path, options);
  }
  SUBQ_CHECK(exists(file.get(), "/table"),
             "{}: HDF5 file is neither a subq-jets file (attribute 'format') nor a Top-tagging "
             "pandas table (group '/table')",
             path.string());
  return read_top_tagging(file.get(), path, options);
}

void write_jet_h5(const data::JetDataset& jets, const std::filesystem::path& path) {
  const std::string tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    SUBQ_CHECK(file.valid(), "{}: cannot create HDF5 file", path.string());
    write_attribute(file.get(), "format", std::string(kJetSchemaFormat));
    write_attribute(file.get(), "version", static_cast<int64_t>(kJetSchemaVersion));
    write_attribute(file.get(), "class_names", fmt::format("{}", fmt::join(jets.class_names, ",")));
    write_dataset(file.get(), "/four_vectors", jets.four_vectors.to(torch::kFloat32), H5T_IEEE_F32LE,
                  H5T_NATIVE_FLOAT);
    write_dataset(file.get(), "/mask", jets.mask.to(torch::kUInt8), H5T_STD_U8LE, H5T_NATIVE_UINT8);
    write_dataset(file.get(), "/labels", jets.labels.to(torch::kInt64), H5T_STD_I64LE, H5T_NATIVE_INT64);
    if (jets.extras) {
      Handle group(H5Gcreate2(file.get(), "/particles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      for (const auto& [name, tensor] : jets.extras->named())
        write_dataset(file.get(), "/particles/" + name, tensor->to(torch::kFloat32), H5T_IEEE_F32LE,
                      H5T_NATIVE_FLOAT);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("{}: cannot move the written file into place", path.string());
  }
}

}  // namespace subq::data
