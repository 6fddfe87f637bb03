#include "subq/data/jet_dataset.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "subq/data/hdf5_jets.h"
#include "subq/io/npy.h"
#include "subq/util/error.h"

namespace subq::data {

std::vector<std::pair<std::string, torch::Tensor*>> JetParticleExtras::named() {
  return {{"charge", &charge},         {"is_charged_hadron", &is_charged_hadron},
          {"is_neutral_hadron", &is_neutral_hadron}, {"is_photon", &is_photon},
          {"is_electron", &is_electron}, {"is_muon", &is_muon},
          {"d0val", &d0val},           {"d0err", &d0err},
          {"dzval", &dzval},           {"dzerr", &dzerr}};
}

std::vector<std::pair<std::string, const torch::Tensor*>> JetParticleExtras::named() const {
  std::vector<std::pair<std::string, const torch::Tensor*>> out;
  for (auto& [name, t] : const_cast<JetParticleExtras*>(this)->named()) out.emplace_back(name, t);
  return out;
}

JetDataset JetDataset::subset(const torch::Tensor& indices) const {
  JetDataset out;
  out.four_vectors = four_vectors.index_select(0, indices);
  out.mask = mask.index_select(0, indices);
  out.labels = labels.index_select(0, indices);
  out.class_names = class_names;
  out.source = source;
  if (extras) {
    out.extras = JetParticleExtras{};
    auto dst = out.extras->named();
    auto src = extras->named();
    for (size_t i = 0; i < src.size(); ++i) *dst[i].second = src[i].second->index_select(0, indices);
  }
  return out;
}

std::vector<std::string> default_class_names(int64_t num_classes) {
  if (num_classes == 2) return {"QCD", "top"};
  if (num_classes == 10)
    return {"QCD", "Hbb", "Hcc", "Hgg", "H4q", "Hqql", "Zqq", "Wqq", "Tbqq", "Tbl"};
  std::vector<std::string> names;
  for (int64_t i = 0; i < num_classes; ++i) names.push_back(fmt::format("class{}", i));
  return names;
}

namespace {

// Reorders every jet's particles by decreasing pT (padding last) and keeps `keep` slots.
torch::Tensor pt_order(const torch::Tensor& four_vectors, const torch::Tensor& mask) {
  auto pt = torch::hypot(four_vectors.select(1, 0), four_vectors.select(1, 1));
  pt = pt.masked_fill(~mask, -1.0);
  return std::get<1>(pt.sort(/*dim=*/1, /*descending=*/true));
}

torch::Tensor gather_particles(const torch::Tensor& x, const torch::Tensor& order, int64_t keep) {
  // x: (N, M) or (N, C, M); order: (N, M).
  torch::Tensor out;
  if (x.dim() == 2) out = x.gather(1, order);
  else out = x.gather(2, order.unsqueeze(1).expand_as(x));
  const int64_t m = out.size(-1);
  if (m >= keep) return out.narrow(-1, 0, keep).contiguous();
  std::vector<int64_t> shape(out.sizes().begin(), out.sizes().end());
  shape.back() = keep - m;
  return torch::cat({out, torch::zeros(shape, out.options())}, -1);
}

void check_finite(const torch::Tensor& four_vectors, const std::string& source) {
  auto bad = (~torch::isfinite(four_vectors)).flatten(1).any(1);
  if (bad.any().item<bool>()) {
    const int64_t jet = bad.nonzero()[0][0].item<int64_t>();
    fail("{}: jet {} has a NaN or infinite four-vector component", source, jet);
  }
}

}  // namespace

JetDataset make_jet_dataset(torch::Tensor four_vectors, torch::Tensor mask, torch::Tensor labels,
                            std::vector<std::string> class_names, const std::string& source,
                            int64_t max_particles, std::optional<JetParticleExtras> extras) {
  SUBQ_CHECK(four_vectors.dim() == 3 && four_vectors.size(1) == 4,
             "{}: four-vectors must have shape (N, 4, particles), got ({})", source,
             fmt::join(four_vectors.sizes(), ", "));
  const int64_t n = four_vectors.size(0);
  SUBQ_CHECK(n > 0, "{}: no jets", source);
  SUBQ_CHECK(mask.dim() == 2 && mask.size(0) == n && mask.size(1) == four_vectors.size(2),
             "{}: mask shape ({}) does not match four-vectors ({})", source,
             fmt::join(mask.sizes(), ", "), fmt::join(four_vectors.sizes(), ", "));
  SUBQ_CHECK(labels.dim() == 1 && labels.size(0) == n, "{}: {} labels for {} jets", source,
             labels.dim() ? labels.size(0) : 0, n);
  four_vectors = four_vectors.to(torch::kFloat32);
  check_finite(four_vectors, source);
  mask = mask.to(torch::kBool);
  labels = labels.to(torch::kInt64);
  const int64_t classes = static_cast<int64_t>(class_names.size());
  SUBQ_CHECK(labels.min().item<int64_t>() >= 0 && labels.max().item<int64_t>() < classes,
             "{}: labels must lie in [0, {}), found range [{}, {}]", source, classes,
             labels.min().item<int64_t>(), labels.max().item<int64_t>());
  auto counts = mask.sum(1);
  if ((counts == 0).any().item<bool>()) {
    fail("{}: jet {} has no particles", source, (counts == 0).nonzero()[0][0].item<int64_t>());
  }
  const auto order = pt_order(four_vectors, mask);
  JetDataset out;
  out.mask = gather_particles(mask, order, max_particles);
  out.four_vectors = gather_particles(four_vectors, order, max_particles) * out.mask.unsqueeze(1);
  out.labels = labels.contiguous();
  out.class_names = std::move(class_names);
  out.source = source;
  if (extras) {
    out.extras = JetParticleExtras{};
    auto dst = out.extras->named();
    auto src = extras->named();
    for (size_t i = 0; i < src.size(); ++i) {
      const auto& t = *src[i].second;
      SUBQ_CHECK(t.defined() && t.sizes() == mask.sizes(), "{}: particle array '{}' must be (N, {})",
                 source, src[i].first, mask.size(1));
      *dst[i].second = gather_particles(t.to(torch::kFloat32), order, max_particles) * out.mask;
    }
  }
  return out;
}

namespace {

std::filesystem::path find_one(const std::filesystem::path& directory, const std::string& word) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::string name = entry.path().filename().string();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (entry.path().extension() == ".npy" && name.find(word) != std::string::npos)
      found.push_back(entry.path());
  }
  SUBQ_CHECK(found.size() == 1, "{}: expected exactly one *{}*.npy file, found {}",
             directory.string(), word, found.size());
  return found[0];
}

torch::Tensor labels_from_array(const torch::Tensor& raw, const std::filesystem::path& path,
                                int64_t* num_classes) {
  if (raw.dim() == 2) {  // one-hot (N, C)
    const auto rows = raw.to(torch::kFloat64).sum(1);
    SUBQ_CHECK((rows == 1).all().item<bool>(), "{}: one-hot labels must have exactly one 1 per row",
               path.string());
    *num_classes = raw.size(1);
    return raw.argmax(1);
  }
  SUBQ_CHECK(raw.dim() == 1, "{}: labels must be (N) or one-hot (N, C), got ({})", path.string(),
             fmt::join(raw.sizes(), ", "));
  SUBQ_CHECK(!raw.is_floating_point() || (raw == raw.round()).all().item<bool>(),
             "{}: labels must be whole numbers", path.string());
  auto labels = raw.to(torch::kInt64);
  *num_classes = std::max<int64_t>(2, labels.max().item<int64_t>() + 1);
  return labels;
}

}  // namespace

JetDataset load_npy_jets(const std::filesystem::path& directory, const JetLoadOptions& options) {
  const auto vectors_path = find_one(directory, "vectors");
  const auto mask_path = find_one(directory, "mask");
  const auto labels_path = find_one(directory, "labels");
  auto vectors = io::read_npy(vectors_path);
  auto mask = io::read_npy(mask_path);
  auto raw_labels = io::read_npy(labels_path);
  SUBQ_CHECK(vectors.dim() == 3 && vectors.size(1) == 4, "{}: expected shape (N, 4, P), got ({})",
             vectors_path.string(), fmt::join(vectors.sizes(), ", "));
  if (mask.dim() == 3) {
    SUBQ_CHECK(mask.size(1) == 1, "{}: expected mask shape (N, 1, P), got ({})", mask_path.string(),
               fmt::join(mask.sizes(), ", "));
    mask = mask.squeeze(1);
  }
  SUBQ_CHECK(mask.sizes() == vectors.select(1, 0).sizes(),
             "{}: mask shape ({}) does not match {} ({})", mask_path.string(),
             fmt::join(mask.sizes(), ", "), vectors_path.filename().string(),
             fmt::join(vectors.sizes(), ", "));
  SUBQ_CHECK(raw_labels.size(0) == vectors.size(0), "{}: {} labels but {} has {} jets",
             labels_path.string(), raw_labels.size(0), vectors_path.filename().string(),
             vectors.size(0));
  if (options.max_jets > 0 && options.max_jets < vectors.size(0)) {
    vectors = vectors.narrow(0, 0, options.max_jets);
    mask = mask.narrow(0, 0, options.max_jets);
    raw_labels = raw_labels.narrow(0, 0, options.max_jets);
  }
  int64_t classes = 0;
  auto labels = labels_from_array(raw_labels, labels_path, &classes);
  return make_jet_dataset(vectors, mask != 0, labels, default_class_names(classes),
                          directory.string(), options.max_particles);
}

JetDataset load_jets(const std::filesystem::path& path, const JetLoadOptions& options) {
  SUBQ_CHECK(std::filesystem::exists(path), "{}: no such file or directory", path.string());
  if (std::filesystem::is_directory(path)) return load_npy_jets(path, options);
  return read_jet_h5(path, options);
}

}  // namespace subq::data
