// Jet files in HDF5, read and written with the HDF5 C API:
//
// 1. The Top Quark Tagging Reference Dataset (Kasieczka et al., Zenodo 2603256): a pandas
//    DataFrame saved by PyTables in "fixed" format under key "table": /table/axis0 (column
//    names), /table/block{k}_items + /table/block{k}_values (one block per dtype). Columns
//    E_i, PX_i, PY_i, PZ_i (i = 0..199, pT-ordered, zero padded) and is_signal_new (1 = top).
//    A particle is real when E_i > 0 (as in the ParT conversion scripts).
//
// 2. subq's jet schema (written by scripts/convert_jetclass.py and write_jet_h5):
//      attributes on "/": format = "subq-jets", version = 1 (int),
//                         class_names = "QCD,Hbb,..." (comma-separated string)
//      /four_vectors  float32 (N, 4, P)  px, py, pz, E; zero padded, pT-descending
//      /mask          uint8   (N, P)     1 = real particle
//      /labels        int64   (N)        class index
//      /particles/{charge, is_charged_hadron, is_neutral_hadron, is_photon, is_electron,
//                  is_muon, d0val, d0err, dzval, dzerr}  float32 (N, P)  optional, all or none
#pragma once
#include <filesystem>

#include "subq/data/jet_dataset.h"

namespace subq::data {

constexpr const char* kJetSchemaFormat = "subq-jets";
constexpr int kJetSchemaVersion = 1;

// Reads either layout (detected from the file's content); errors name the file and problem.
data::JetDataset read_jet_h5(const std::filesystem::path& path, const data::JetLoadOptions& options);

// Writes `jets` in subq's schema (atomically: temporary file + rename).
void write_jet_h5(const data::JetDataset& jets, const std::filesystem::path& path);

}  // namespace subq::data
