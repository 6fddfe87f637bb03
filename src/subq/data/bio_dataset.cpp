#include "subq/data/bio_dataset.h"

#include <cmath>

#include "subq/util/error.h"

namespace subq::data {

std::string split_name(Split split) {
  switch (split) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
  }
  return "?";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "validation" || name == "valid" || name == "val") return Split::Validation;
  if (name == "test") return Split::Test;
  fail("unknown split '{}' (expected train, validation or test)", name);
}

int64_t BioDataset::channels() const {
  const bool guided = !examples.empty() && !examples.front().guide.empty();
  return alphabet_channels(alphabet) * (guided ? 2 : 1);
}

std::vector<int64_t> BioDataset::indices(Split split) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < examples.size(); ++i)
    if (examples[i].split == split) out.push_back(static_cast<int64_t>(i));
  return out;
}

std::vector<int64_t> BioDataset::all_indices() const {
  std::vector<int64_t> out(examples.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(i);
  return out;
}

torch::Tensor BioDataset::encode(const std::vector<int64_t>& rows) const {
  int64_t length = 0;
  for (auto i : rows) length = std::max<int64_t>(length, examples.at(i).sequence.size());
  const int64_t channels = this->channels(), base = alphabet_channels(alphabet);
  auto out = torch::zeros({static_cast<int64_t>(rows.size()), length, channels});
  float* data = out.data_ptr<float>();
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& ex = examples[rows[r]];
    float* row = data + static_cast<int64_t>(r) * length * channels;
    encode_sequence_into(ex.sequence, alphabet, row, channels, ex.origin);
    if (!ex.guide.empty()) {
      SUBQ_CHECK(ex.guide_offset + static_cast<int64_t>(ex.guide.size()) <= length,
                 "{}: guide does not fit inside its target context", ex.origin);
      encode_sequence_into(ex.guide, alphabet, row + ex.guide_offset * channels + base, channels,
                           ex.origin);
    }
  }
  return out;
}

torch::Tensor BioDataset::targets(const std::vector<int64_t>& rows) const {
  auto out = torch::empty({static_cast<int64_t>(rows.size())}, torch::kFloat64);
  auto acc = out.accessor<double, 1>();
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& ex = examples.at(rows[r]);
    SUBQ_CHECK(std::isfinite(ex.target), "{}: missing or non-finite target", ex.origin);
    acc[static_cast<int64_t>(r)] = ex.target;
  }
  return out;
}

nlohmann::json to_json(const BioDataSpec& s) {
  return {{"format", s.format},           {"alphabet", s.alphabet},
          {"labels", s.labels},           {"sequence_column", s.sequence_column},
          {"target_column", s.target_column}, {"split_column", s.split_column},
          {"validation_column", s.validation_column}, {"folds", s.folds},
          {"fold", s.fold},               {"split_seed", s.split_seed},
          {"window_begin", s.window_begin}, {"window_end", s.window_end}};
}

BioDataSpec data_spec_from_json(const nlohmann::json& j) {
  BioDataSpec s;
  s.format = j.value("format", s.format);
  s.alphabet = j.value("alphabet", s.alphabet);
  s.labels = j.value("labels", s.labels);
  s.sequence_column = j.value("sequence_column", s.sequence_column);
  s.target_column = j.value("target_column", s.target_column);
  s.split_column = j.value("split_column", s.split_column);
  s.validation_column = j.value("validation_column", s.validation_column);
  s.folds = j.value("folds", s.folds);
  s.fold = j.value("fold", s.fold);
  s.split_seed = j.value("split_seed", s.split_seed);
  s.window_begin = j.value("window_begin", s.window_begin);
  s.window_end = j.value("window_end", s.window_end);
  return s;
}

}  // namespace subq::data
