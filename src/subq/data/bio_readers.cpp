// The readers behind load_bio_dataset. Each keeps "file:line" with every example so that a
// bad residue or value later is reported where it is.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "subq/data/bio_dataset.h"
#include "subq/data/bio_table.h"
#include "subq/util/error.h"

namespace subq::data {
namespace {

// Strict number parsing: the whole field must be a finite number.
double parse_number(const std::string& field, const std::string& origin, const std::string& what) {
  size_t used = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
  try {
    value = std::stod(field, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  SUBQ_CHECK(used == field.size() && !field.empty() && std::isfinite(value),
             "{}: {} '{}' is not a finite number", origin, what, field);
  return value;
}

bool parse_flag(const std::string& field, const std::string& origin) {
  std::string v = field;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v.empty() || v == "false" || v == "0" || v == "no" || v == "nan") return false;
  fail("{}: validation flag '{}' is not True/False", origin, field);
}

Alphabet resolve_alphabet(const BioDataSpec& spec, Alphabet fallback) {
  return spec.alphabet == "auto" ? fallback : parse_alphabet(spec.alphabet);
}

// Checks every residue now, so a bad file fails at load time and not mid-training.
void validate_residues(const BioDataset& dataset) {
  const int64_t channels = dataset.channels();
  std::vector<float> scratch;
  for (const auto& ex : dataset.examples) {
    SUBQ_CHECK(!ex.sequence.empty(), "{}: empty sequence", ex.origin);
    scratch.assign(ex.sequence.size() * channels, 0.0f);
    encode_sequence_into(ex.sequence, dataset.alphabet, scratch.data(), channels, ex.origin);
    if (!ex.guide.empty())
      encode_sequence_into(ex.guide, dataset.alphabet, scratch.data(), channels, ex.origin);
  }
}

// Fisher-Yates with mt19937_64 (whose output the standard fixes), so fold assignments are
// identical on every platform, unlike std::shuffle.
void portable_shuffle(std::vector<int64_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

BioDataset empty_dataset(const BioDataSpec& spec, const std::string& format, Alphabet fallback) {
  BioDataset dataset;
  dataset.source = spec.path;
  dataset.format = format;
  dataset.alphabet = resolve_alphabet(spec, fallback);
  return dataset;
}

// The target column of a table: required for training/eval, optional (empty cells allowed)
// for prediction.
class TargetColumn {
 public:
  TargetColumn(const TextTable& table, const std::string& name, bool required)
      : name_(name), required_(required), present_(table.has_column(name)) {
    if (required) table.column(name);  // throws naming the columns the table has
    if (present_) index_ = table.column(name);
  }
  void read_into(const std::vector<std::string>& row, BioExample& ex) const {
    if (present_ && (required_ || !row[index_].empty())) ex.target = parse_number(row[index_], ex.origin, name_);
  }

 private:
  std::string name_;
  bool required_, present_;
  size_t index_ = 0;
};

}  // namespace

BioDataset read_sequence_table(const BioDataSpec& spec) {
  const auto table = read_text_table(spec.path);
  BioDataset dataset = empty_dataset(spec, "table", Alphabet::Protein);
  const size_t seq_col = table.column(spec.sequence_column);
  const TargetColumn target(table, spec.target_column, spec.require_targets);
  const bool has_split = table.has_column(spec.split_column);
  const bool has_validation = table.has_column(spec.validation_column);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    BioExample ex;
    ex.origin = table.origin(r);
    ex.sequence = row[seq_col];
    target.read_into(row, ex);
    if (has_split) {
      const std::string& set = row[table.column(spec.split_column)];
      SUBQ_CHECK(set == "train" || set == "test" || set == "validation",
                 "{}: split '{}' is not train/validation/test", ex.origin, set);
      ex.split = parse_split(set);
    }
    // FLIP marks its validation subset inside `train` with validation=True.
    if (has_validation && ex.split == Split::Train &&
        parse_flag(row[table.column(spec.validation_column)], ex.origin))
      ex.split = Split::Validation;
    dataset.examples.push_back(std::move(ex));
  }
  validate_residues(dataset);
  return dataset;
}

BioDataset read_fasta_with_labels(const BioDataSpec& spec) {
  BioDataset dataset = empty_dataset(spec, "fasta", Alphabet::Protein);
  const auto lines = read_text_lines(spec.path);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) continue;
    if (line[0] == '>') {
      BioExample ex;
      ex.origin = fmt::format("{}:{}", spec.path, i + 1);
      dataset.examples.push_back(std::move(ex));
      continue;
    }
    SUBQ_CHECK(!dataset.examples.empty(), "{}:{}: sequence data before the first '>' header",
               spec.path, i + 1);
    dataset.examples.back().sequence += line;
  }
  SUBQ_CHECK(!dataset.examples.empty(), "{}: no FASTA records", spec.path);

  std::filesystem::path labels = spec.labels;
  if (labels.empty()) labels = std::filesystem::path(spec.path).parent_path() / "classes.txt";
  const bool have_labels = std::filesystem::exists(labels);
  SUBQ_CHECK(have_labels || !spec.require_targets, "{}: label file {} not found (use --labels)",
             spec.path, labels.string());
  if (have_labels) {
    std::vector<std::pair<std::string, int64_t>> values;  // (field, line)
    const auto label_lines = read_text_lines(labels);
    for (size_t i = 0; i < label_lines.size(); ++i)
      if (!label_lines[i].empty()) values.emplace_back(label_lines[i], i + 1);
    SUBQ_CHECK(values.size() == dataset.examples.size(),
               "{}: {} labels but {} has {} FASTA records", labels.string(), values.size(),
               spec.path, dataset.examples.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const auto origin = fmt::format("{}:{}", labels.string(), values[i].second);
      const double label = parse_number(values[i].first, origin, "label");
      SUBQ_CHECK(label >= 0 && label == std::floor(label), "{}: label '{}' is not a class index",
                 origin, values[i].first);
      dataset.examples[i].target = label;
    }
  }
  // Stratified k-fold: within each class, a seeded permutation deals examples round-robin
  // into folds; fold `fold` is the test set and every 9th remaining example of a class is
  // validation (~11% of the non-test data), used only for early stopping.
  SUBQ_CHECK(spec.folds >= 2 && spec.fold >= 0 && spec.fold < spec.folds,
             "{}: fold {} of {} folds is not valid", spec.path, spec.fold, spec.folds);
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (size_t i = 0; i < dataset.examples.size(); ++i) {
    const double t = dataset.examples[i].target;
    by_class[std::isfinite(t) ? static_cast<int64_t>(t) : -1].push_back(static_cast<int64_t>(i));
  }
  // The deal continues from class to class, so fold sizes differ by at most one.
  size_t dealt = 0;
  for (auto& [label, members] : by_class) {
    portable_shuffle(members, spec.split_seed * 1000003ULL + static_cast<uint64_t>(label + 1));
    int64_t kept = 0;
    for (size_t rank = 0; rank < members.size(); ++rank, ++dealt) {
      auto& ex = dataset.examples[members[rank]];
      if (static_cast<int>(dealt % spec.folds) == spec.fold) {
        ex.split = Split::Test;
      } else {
        ex.split = kept++ % 9 == 0 ? Split::Validation : Split::Train;
      }
    }
  }
  validate_residues(dataset);
  return dataset;
}

BioDataset read_cas13_adapt(const BioDataSpec& spec) {
  const auto table = read_text_table(spec.path);
  BioDataset dataset = empty_dataset(spec, "cas13", Alphabet::Nucleotide);
  const size_t guide_col = table.column("guide_seq"), at_col = table.column("target_at_guide"),
               before_col = table.column("target_before"), after_col = table.column("target_after"),
               pos_col = table.column("guide_pos_nt"), type_col = table.column("type");
  const TargetColumn target(table, "out_logk_measurement", spec.require_targets);
  std::vector<int64_t> positions;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    // Only measured guide-target pairs; "pos"/"neg" rows are assay controls.
    if (row[type_col] != "exp") continue;
    BioExample ex;
    ex.origin = table.origin(r);
    SUBQ_CHECK(row[guide_col].size() == row[at_col].size(),
               "{}: guide ({} nt) and target_at_guide ({} nt) differ in length", ex.origin,
               row[guide_col].size(), row[at_col].size());
    ex.sequence = row[before_col] + row[at_col] + row[after_col];
    ex.guide = row[guide_col];
    ex.guide_offset = static_cast<int64_t>(row[before_col].size());
    target.read_into(row, ex);
    positions.push_back(static_cast<int64_t>(
        parse_number(row[pos_col], ex.origin, "guide_pos_nt")));
    dataset.examples.push_back(std::move(ex));
  }
  SUBQ_CHECK(!dataset.examples.empty(), "{}: no rows with type 'exp'", spec.path);
  // Held-out split by guide position along the target (as ADAPT splits by crRNA position):
  // the first 60% of distinct positions train, the next 10% validate, the last 30% test.
  // A guide whose window overlaps a guide of an earlier split is dropped, so no nucleotide
  // of a validation/test guide was seen as part of a training guide.
  std::set<int64_t> distinct(positions.begin(), positions.end());
  std::vector<int64_t> sorted(distinct.begin(), distinct.end());
  const int64_t guide_length = static_cast<int64_t>(dataset.examples.front().guide.size());
  std::map<int64_t, int> split_of;  // position -> 0 train, 1 validation, 2 test, -1 dropped
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double q = static_cast<double>(i) / static_cast<double>(sorted.size());
    split_of[sorted[i]] = q < 0.6 ? 0 : q < 0.7 ? 1 : 2;
  }
  std::map<int64_t, int> final_split = split_of;
  for (auto [pos, split] : split_of) {
    for (auto [other, other_split] : split_of)
      if (other_split < split && std::llabs(other - pos) < guide_length) final_split[pos] = -1;
  }
  std::vector<BioExample> kept;
  for (size_t i = 0; i < dataset.examples.size(); ++i) {
    const int split = final_split[positions[i]];
    if (split < 0) continue;
    dataset.examples[i].split = split == 0 ? Split::Train : split == 1 ? Split::Validation : Split::Test;
    kept.push_back(std::move(dataset.examples[i]));
  }
  dataset.examples = std::move(kept);
  validate_residues(dataset);
  return dataset;
}

namespace {

void apply_window(BioDataset& dataset, const BioDataSpec& spec) {
  if (spec.window_begin == 0 && spec.window_end == 0) return;
  SUBQ_CHECK(spec.window_begin >= 0 && spec.window_end > spec.window_begin,
             "{}: window {}:{} is empty or negative", spec.path, spec.window_begin, spec.window_end);
  for (auto& ex : dataset.examples) {
    SUBQ_CHECK(ex.guide.empty(), "{}: windows are not supported for guide/target pairs", ex.origin);
    SUBQ_CHECK(static_cast<int64_t>(ex.sequence.size()) >= spec.window_end,
               "{}: sequence of length {} is shorter than the window end {}", ex.origin,
               ex.sequence.size(), spec.window_end);
    ex.sequence = ex.sequence.substr(spec.window_begin, spec.window_end - spec.window_begin);
  }
}

BioDataset read_any(const BioDataSpec& spec) {
  SUBQ_CHECK(std::filesystem::exists(spec.path), "{}: no such file", spec.path);
  std::string format = spec.format;
  if (format == "auto") {
    std::string name = std::filesystem::path(spec.path).filename().string();
    if (name.size() > 3 && name.substr(name.size() - 3) == ".gz") name.resize(name.size() - 3);
    const auto ext = std::filesystem::path(name).extension().string();
    if (ext == ".fasta" || ext == ".fa" || ext == ".faa" || ext == ".fna") {
      format = "fasta";
    } else {
      const auto lines = read_text_lines(spec.path);
      const bool cas13 = !lines.empty() && lines[0].find("guide_seq") != std::string::npos &&
                         lines[0].find("target_at_guide") != std::string::npos;
      format = cas13 ? "cas13" : "table";
    }
  }
  if (format == "table") return read_sequence_table(spec);
  if (format == "fasta") return read_fasta_with_labels(spec);
  if (format == "cas13") return read_cas13_adapt(spec);
  fail("{}: unknown data format '{}' (expected auto, table, fasta or cas13)", spec.path, format);
}

}  // namespace

BioDataset load_bio_dataset(const BioDataSpec& spec) {
  auto dataset = read_any(spec);
  apply_window(dataset, spec);
  return dataset;
}

}  // namespace subq::data
