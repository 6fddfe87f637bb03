// A set of jets held in memory in one layout, whatever file it came from: four-vectors
// (px, py, pz, E) as (N, 4, P) float32, zero padded after the last particle and ordered by
// decreasing pT, a (N, P) bool mask of real particles, and integer class labels. Optional
// per-particle extras (charge, particle ID, impact parameters) exist for JetClass files.
//
// load_jets() reads a directory of .npy files (the ParT attention-paper layout), a Top Quark
// Tagging Reference Dataset .h5 (pandas table), or subq's own jet HDF5 schema (jet_h5 in
// data/hdf5_jets.h), and always returns this normalised form (P = max_particles, default 128;
// longer jets keep their highest-pT particles).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::data {

constexpr int64_t kDefaultMaxParticles = 128;

// Per-particle information beyond the four-vector (JetClass "full" inputs), each (N, P).
struct JetParticleExtras {
  torch::Tensor charge;
  torch::Tensor is_charged_hadron, is_neutral_hadron, is_photon, is_electron, is_muon;
  torch::Tensor d0val, d0err, dzval, dzerr;
  std::vector<std::pair<std::string, torch::Tensor*>> named();
  std::vector<std::pair<std::string, const torch::Tensor*>> named() const;
};

struct JetDataset {
  torch::Tensor four_vectors;  // (N, 4, P) float32
  torch::Tensor mask;          // (N, P) bool
  torch::Tensor labels;        // (N) int64 in [0, class_names.size())
  std::vector<std::string> class_names;
  std::optional<JetParticleExtras> extras;
  std::string source;          // file or directory it was read from (for error messages)

  int64_t size() const { return labels.size(0); }
  int64_t max_particles() const { return four_vectors.size(2); }
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  // The jets at `indices` (int64), as a new dataset sharing nothing with this one.
  JetDataset subset(const torch::Tensor& indices) const;
  // Number of real particles per jet, (N) int64.
  torch::Tensor particle_counts() const { return mask.sum(1); }
};

struct JetLoadOptions {
  int64_t max_particles = kDefaultMaxParticles;
  int64_t max_jets = 0;  // 0 = all; otherwise the first max_jets
};

// Reads any supported jet file or directory (see the header comment).
JetDataset load_jets(const std::filesystem::path& path, const JetLoadOptions& options = {});

// Reads a directory holding *vectors*.npy (N, 4, P), *mask*.npy (N, 1, P) or (N, P) and
// *labels*.npy ((N) integers or (N, C) one-hot).
JetDataset load_npy_jets(const std::filesystem::path& directory, const JetLoadOptions& options = {});

// Brings raw arrays into the dataset layout: checks shapes and finiteness (errors name
// `source` and the jet index), sorts each jet's particles by decreasing pT, truncates or
// zero-pads to `max_particles`, zeroes padded slots. `four_vectors` (N, 4, M), `mask` (N, M).
JetDataset make_jet_dataset(torch::Tensor four_vectors, torch::Tensor mask, torch::Tensor labels,
                            std::vector<std::string> class_names, const std::string& source,
                            int64_t max_particles,
                            std::optional<JetParticleExtras> extras = std::nullopt);

// Class names the field uses: 2 classes -> {"QCD", "top"}; 10 -> the JetClass labels.
std::vector<std::string> default_class_names(int64_t num_classes);

}  // namespace subq::data
