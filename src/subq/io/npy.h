// NumPy .npy arrays (format versions 1, 2 and 3): a magic string, a little header dict
// {'descr': '<f4', 'fortran_order': False, 'shape': (N, 4, 128)}, then the raw data.
// subq reads the jet samples (four-vectors, masks, labels) this way; writing exists for tests
// and converters. Only C-order, little-endian (or byte-order-free) numeric/bool data.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::io {

struct NpyHeader {
  std::string descr;             // numpy dtype string, e.g. "<f4", "|b1", "<i8"
  bool fortran_order = false;
  std::vector<int64_t> shape;
  size_t data_offset = 0;        // bytes from the start of the file to the data
  int major_version = 1;
};

// Parses the header of `bytes` (the whole file); errors name `path` and the problem.
NpyHeader parse_npy_header(const std::string& bytes, const std::filesystem::path& path);

// Reads a .npy file into a CPU tensor of the matching dtype (f4/f8/f2, i1/i2/i4/i8, u1, b1).
torch::Tensor read_npy(const std::filesystem::path& path);

// Writes a contiguous CPU tensor as a version-1 .npy file (atomically).
void write_npy(const std::filesystem::path& path, const torch::Tensor& tensor);

}  // namespace subq::io
