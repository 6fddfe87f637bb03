// A labelled set of biological sequences with its train/validation/test assignment, read
// from one of the supported sources (bio_readers.cpp): FLIP-style CSV/TSV(.gz) tables,
// FASTA + label file (k-fold), and the Cas13a ADAPT guide-activity table.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "subq/data/bio_encoding.h"

namespace subq::data {

enum class Split { Train, Validation, Test };
std::string split_name(Split split);
Split parse_split(const std::string& name);  // "train" | "validation" | "test"

struct BioExample {
  std::string sequence;      // the residues (for Cas13: target context around the guide)
  std::string guide;         // Cas13 only: the guide, aligned to sequence at guide_offset
  int64_t guide_offset = 0;
  double target = std::numeric_limits<double>::quiet_NaN();  // value or class; NaN = unlabelled
  Split split = Split::Train;
  std::string origin;        // "file:line" for error messages and prediction files
};

struct BioDataset {
  std::string source;        // path it was read from
  std::string format;        // "table" | "fasta" | "cas13"
  Alphabet alphabet = Alphabet::Protein;
  std::vector<BioExample> examples;

  // Input channels: the alphabet's, doubled when examples carry a guide (guide channels
  // follow the sequence channels, non-zero only where the guide lies).
  int64_t channels() const;
  std::vector<int64_t> indices(Split split) const;
  std::vector<int64_t> all_indices() const;
  // One-hot inputs (n, longest of these, channels), zero padded.
  torch::Tensor encode(const std::vector<int64_t>& indices) const;
  // Targets as float64 (n); NaN targets are an error naming the example.
  torch::Tensor targets(const std::vector<int64_t>& indices) const;
};

// Where and how to read a data set; stored in checkpoints so eval/predict read new files
// the same way the model was trained.
struct BioDataSpec {
  std::string path;
  std::string format = "auto";     // auto | table | fasta | cas13
  std::string alphabet = "auto";   // auto (protein; nucleotide for cas13) | protein | nucleotide
  std::string labels;              // fasta: label file, one integer per record (default: classes.txt beside it)
  std::string sequence_column = "sequence", target_column = "target";
  std::string split_column = "set", validation_column = "validation";
  int folds = 5, fold = 0;         // fasta: stratified k-fold, `fold` is the test fold
  uint64_t split_seed = 0;         // fasta: seed of the fold assignment
  bool require_targets = true;     // false for predict: targets may be missing
  // Optional window [window_begin, window_end) cut out of every sequence (0-based; both 0 =
  // whole sequence). For landscapes where only a few sites vary (FLIP GB1 varies at 0-based
  // positions 38, 39, 40, 53 of 265), a window around them holds all the information at a
  // fraction of the cost; docs/bio.md says where it was used.
  int64_t window_begin = 0, window_end = 0;
};
nlohmann::json to_json(const BioDataSpec& spec);
BioDataSpec data_spec_from_json(const nlohmann::json& json);

BioDataset load_bio_dataset(const BioDataSpec& spec);

// The individual readers (load_bio_dataset picks one).
BioDataset read_sequence_table(const BioDataSpec& spec);
BioDataset read_fasta_with_labels(const BioDataSpec& spec);
BioDataset read_cas13_adapt(const BioDataSpec& spec);

}  // namespace subq::data
