#include "subq/data/bio_encoding.h"

#include <array>
#include <cctype>

#include "subq/util/error.h"

namespace subq::data {
namespace {

constexpr char kProteinOrder[] = "ILVFMCAGPTSYWQNHEDKR";
constexpr char kNucleotideOrder[] = "ACGT";
constexpr int kUnknown = -1;   // the alphabet's "any residue" letter (X / N)
constexpr int kInvalid = -2;

// Channel of each byte, built once per alphabet.
std::array<int, 256> make_table(Alphabet alphabet) {
  std::array<int, 256> table;
  table.fill(kInvalid);
  const char* order = alphabet == Alphabet::Protein ? kProteinOrder : kNucleotideOrder;
  for (int i = 0; order[i]; ++i) {
    table[static_cast<unsigned char>(order[i])] = i;
    table[static_cast<unsigned char>(std::tolower(order[i]))] = i;
  }
  if (alphabet == Alphabet::Protein) {
    table['X'] = table['x'] = kUnknown;
  } else {
    table['U'] = table['u'] = table['T'];
    table['N'] = table['n'] = kUnknown;
  }
  return table;
}

const std::array<int, 256>& table_for(Alphabet alphabet) {
  static const auto protein = make_table(Alphabet::Protein);
  static const auto nucleotide = make_table(Alphabet::Nucleotide);
  return alphabet == Alphabet::Protein ? protein : nucleotide;
}

}  // namespace

Alphabet parse_alphabet(const std::string& name) {
  if (name == "protein") return Alphabet::Protein;
  if (name == "nucleotide" || name == "dna" || name == "rna") return Alphabet::Nucleotide;
  fail("unknown alphabet '{}' (expected protein, nucleotide, dna or rna)", name);
}

std::string alphabet_name(Alphabet alphabet) {
  return alphabet == Alphabet::Protein ? "protein" : "nucleotide";
}

int64_t alphabet_channels(Alphabet alphabet) { return alphabet == Alphabet::Protein ? 20 : 4; }

void encode_sequence_into(const std::string& sequence, Alphabet alphabet, float* out,
                          int64_t row_stride, const std::string& origin) {
  const auto& table = table_for(alphabet);
  const int64_t channels = alphabet_channels(alphabet);
  // "Unknown" spreads the mass uniformly: 1/20 = 0.05 for proteins, 1/4 = 0.25 for DNA/RNA.
  const float uniform = 1.0f / static_cast<float>(channels);
  for (size_t pos = 0; pos < sequence.size(); ++pos) {
    const unsigned char c = static_cast<unsigned char>(sequence[pos]);
    const int channel = table[c];
    float* row = out + static_cast<int64_t>(pos) * row_stride;
    if (channel == kInvalid) {
      fail("{}: invalid {} character '{}' at position {} of the sequence", origin,
           alphabet_name(alphabet), std::isprint(c) ? std::string(1, static_cast<char>(c))
                                                    : fmt::format("\\x{:02x}", c),
           pos + 1);
    }
    if (channel == kUnknown) {
      for (int64_t k = 0; k < channels; ++k) row[k] = uniform;
    } else {
      row[channel] = 1.0f;
    }
  }
}

torch::Tensor encode_sequences(const std::vector<std::string>& sequences, Alphabet alphabet,
                               int64_t length, const std::vector<std::string>& origins) {
  SUBQ_CHECK(origins.size() == sequences.size(), "encode_sequences: {} origins for {} sequences",
             origins.size(), sequences.size());
  int64_t longest = 0;
  for (const auto& s : sequences) longest = std::max<int64_t>(longest, s.size());
  if (length == 0) length = longest;
  const int64_t channels = alphabet_channels(alphabet);
  auto out = torch::zeros({static_cast<int64_t>(sequences.size()), length, channels});
  float* data = out.data_ptr<float>();
  for (size_t i = 0; i < sequences.size(); ++i) {
    SUBQ_CHECK(static_cast<int64_t>(sequences[i].size()) <= length,
               "{}: sequence of length {} exceeds the maximum length {}", origins[i],
               sequences[i].size(), length);
    encode_sequence_into(sequences[i], alphabet, data + i * length * channels, channels, origins[i]);
  }
  return out;
}

}  // namespace subq::data
