#include <gtest/gtest.h>

#include "subq/data/bio_encoding.h"
#include "subq/util/error.h"

namespace {

using subq::data::Alphabet;
using subq::data::encode_sequences;

TEST(BioEncoding, ProteinOneHotFollowsLyraOrder) {
  const std::string order = "ILVFMCAGPTSYWQNHEDKR";
  auto x = encode_sequences({order}, Alphabet::Protein, 0, {"t:1"});
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 20, 20}));
  EXPECT_TRUE(torch::equal(x[0], torch::eye(20)));
  auto lower = encode_sequences({"ilvfmcagptsywqnhedkr"}, Alphabet::Protein, 0, {"t:1"});
  EXPECT_TRUE(torch::equal(lower, x));
}

TEST(BioEncoding, UnknownResiduesAndPadding) {
  auto x = encode_sequences({"AX", "A"}, Alphabet::Protein, 3, {"t:1", "t:2"});
  EXPECT_FLOAT_EQ(x[0][0][6].item<float>(), 1.0f);                  // A is channel 6
  EXPECT_TRUE(torch::allclose(x[0][1], torch::full({20}, 0.05f)));  // X
  EXPECT_EQ(x[0][2].abs().sum().item<float>(), 0.0f);               // padding
  EXPECT_EQ(x[1][1].abs().sum().item<float>(), 0.0f);
}

TEST(BioEncoding, NucleotidesTreatUAsTAndNAsUniform) {
  auto x = encode_sequences({"ACGTUN"}, Alphabet::Nucleotide, 0, {"t:1"});
  EXPECT_TRUE(torch::equal(x[0].narrow(0, 0, 4), torch::eye(4)));
  EXPECT_TRUE(torch::equal(x[0][4], x[0][3]));
  EXPECT_TRUE(torch::allclose(x[0][5], torch::full({4}, 0.25f)));
}

TEST(BioEncoding, InvalidCharactersNameFileLineAndPosition) {
  try {
    encode_sequences({"ACZ"}, Alphabet::Protein, 0, {"data.csv:17"});
    FAIL() << "expected an error";
  } catch (const subq::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("data.csv:17"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'Z'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("position 3"), std::string::npos) << msg;
  }
  EXPECT_THROW(encode_sequences({"ACGE"}, Alphabet::Nucleotide, 0, {"x:1"}), subq::Error);
  EXPECT_THROW(encode_sequences({"ACGT"}, Alphabet::Nucleotide, 2, {"x:1"}), subq::Error);  // too long
}

}  // namespace
