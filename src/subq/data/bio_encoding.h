// One-hot encodings of biological sequences, as Lyra consumes them (docs/bio.md):
// protein: 20 channels in the order ILVFMCAGPTSYWQNHEDKR, 'X' (unknown residue) -> 0.05 on
// every channel; nucleotides: 4 channels ACGT with U read as T and 'N' -> 0.25 on each.
// Padding positions stay all-zero, which is how models tell padding from residues.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace subq::data {

enum class Alphabet { Protein, Nucleotide };

Alphabet parse_alphabet(const std::string& name);  // "protein" | "nucleotide" (or "dna", "rna")
std::string alphabet_name(Alphabet alphabet);
int64_t alphabet_channels(Alphabet alphabet);       // 20 or 4

// Writes the one-hot rows of `sequence` into `out` (row-major, `row_stride` floats per
// position, channels starting at out[0]); letters are case-insensitive. Throws subq::Error
// naming `origin` (file:line) and the position of the first invalid character.
void encode_sequence_into(const std::string& sequence, Alphabet alphabet, float* out,
                          int64_t row_stride, const std::string& origin);

// (sequences.size(), length, channels) float tensor, zero padded on the right; `length` 0
// means the longest sequence. Sequences longer than `length` are an error.
torch::Tensor encode_sequences(const std::vector<std::string>& sequences, Alphabet alphabet,
                               int64_t length, const std::vector<std::string>& origins);

}  // namespace subq::data
