#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "subq/data/bio_dataset.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace {

using subq::data::BioDataSpec;
using subq::data::Split;

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

void write_gzip(const std::filesystem::path& p, const std::string& text) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

// Expects load_bio_dataset to throw a subq::Error containing every fragment.
void expect_error(const BioDataSpec& spec, const std::vector<std::string>& fragments) {
  try {
    subq::data::load_bio_dataset(spec);
    FAIL() << "expected an error for " << spec.path;
  } catch (const subq::Error& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

const char* kFlipLike =
    "sequence,target,set,validation\n"
    "ACDE,1.5,train,\n"
    "ACDF,0.5,train,True\n"
    "ACDG,-2,test,\n";

TEST(BioReaders, FlipStyleTableSplitsAndTargets) {
  subq::test::TempDir dir;
  BioDataSpec spec;
  spec.path = (dir / "t.csv").string();
  write(spec.path, kFlipLike);
  auto ds = subq::data::load_bio_dataset(spec);
  ASSERT_EQ(ds.examples.size(), 3u);
  EXPECT_EQ(ds.examples[0].split, Split::Train);
  EXPECT_EQ(ds.examples[1].split, Split::Validation);
  EXPECT_EQ(ds.examples[2].split, Split::Test);
  EXPECT_DOUBLE_EQ(ds.examples[2].target, -2.0);
  EXPECT_EQ(ds.examples[1].origin, spec.path + ":3");
  EXPECT_EQ(ds.channels(), 20);
}

TEST(BioReaders, GzipTsvReadsLikePlainAndTruncationIsAnError) {
  subq::test::TempDir dir;
  std::string tsv = kFlipLike;
  std::replace(tsv.begin(), tsv.end(), ',', '\t');
  BioDataSpec spec;
  spec.path = (dir / "t.tsv.gz").string();
  write_gzip(spec.path, tsv);
  auto ds = subq::data::load_bio_dataset(spec);
  ASSERT_EQ(ds.examples.size(), 3u);
  EXPECT_DOUBLE_EQ(ds.examples[0].target, 1.5);
  // Cut the compressed file in half.
  std::string bytes;
  {
    std::ifstream in(spec.path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string big;
  for (int i = 0; i < 2000; ++i) big += fmt::format("ACDE{}\t{}\ttrain\t\n", std::string(i % 7, 'K'), i);
  write_gzip(spec.path, "sequence\ttarget\tset\tvalidation\n" + big);
  {
    std::ifstream in(spec.path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(spec.path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  expect_error(spec, {spec.path, "gzip"});
}

TEST(BioReaders, MalformedTablesFailWithFileAndLine) {
  subq::test::TempDir dir;
  BioDataSpec spec;
  spec.path = (dir / "bad.csv").string();
  write(spec.path, "sequence,target,set,validation\nACDE,1.5,train,\nACDE,1.5,train\n");
  expect_error(spec, {spec.path + ":3", "fields"});
  write(spec.path, "sequence,target,set,validation\nACDE,abc,train,\n");
  expect_error(spec, {spec.path + ":2", "abc"});
  write(spec.path, "sequence,target,set,validation\nAC1E,1,train,\n");
  expect_error(spec, {spec.path + ":2", "'1'"});
  write(spec.path, "seq,target,set\nACDE,1,train\n");
  expect_error(spec, {spec.path, "no column 'sequence'"});
  write(spec.path, "sequence,target,set,validation\nACDE,1,dev,\n");
  expect_error(spec, {spec.path + ":2", "dev"});
  write(spec.path, "sequence,target,set,validation\nACDE,nan,train,\n");
  expect_error(spec, {spec.path + ":2", "nan"});
  write(spec.path, "");
  expect_error(spec, {spec.path, "empty"});
}

TEST(BioReaders, FastaWithLabelsAndStratifiedFolds) {
  subq::test::TempDir dir;
  std::string fasta, labels;
  for (int i = 0; i < 50; ++i) {
    fasta += fmt::format(">s{}\nACDE\nKR{}\n", i, std::string(i % 5, 'W'));
    labels += i % 3 == 0 ? "1\n" : "0\n";
  }
  write(dir / "seqs.fasta", fasta);
  write(dir / "classes.txt", labels);
  BioDataSpec spec;
  spec.path = (dir / "seqs.fasta").string();
  std::vector<int> test_count(50, 0);
  for (int fold = 0; fold < 5; ++fold) {
    spec.fold = fold;
    auto ds = subq::data::load_bio_dataset(spec);
    ASSERT_EQ(ds.examples.size(), 50u);
    EXPECT_EQ(ds.examples[3].sequence, "ACDEKRWWW");  // multi-line record joined
    EXPECT_EQ(ds.examples[3].target, 1.0);
    int positives_in_test = 0;
    for (auto i : ds.indices(Split::Test)) {
      ++test_count[i];
      positives_in_test += ds.examples[i].target == 1.0;
    }
    EXPECT_EQ(ds.indices(Split::Test).size(), 10u);
    EXPECT_GE(positives_in_test, 3);  // 17 positives spread over 5 folds
    EXPECT_FALSE(ds.indices(Split::Validation).empty());
  }
  for (int c : test_count) EXPECT_EQ(c, 1);  // every example is tested exactly once
  write(dir / "classes.txt", "1\n0\n");
  expect_error(spec, {"classes.txt", "2 labels", "50 FASTA records"});
  write(dir / "classes.txt", labels);
  write(dir / "seqs.fasta", "ACDE\n>s\nAC\n");
  expect_error(spec, {"seqs.fasta:1", "before the first"});
}

TEST(BioReaders, RealFlipGb1Splits) {
  SUBQ_REQUIRE_SHARED(path, "data/bio/flip_gb1/three_vs_rest.csv");
  BioDataSpec spec;
  spec.path = path.string();
  auto ds = subq::data::load_bio_dataset(spec);
  EXPECT_EQ(ds.examples.size(), 8733u);
  EXPECT_EQ(ds.indices(Split::Train).size(), 2691u);
  EXPECT_EQ(ds.indices(Split::Validation).size(), 299u);
  EXPECT_EQ(ds.indices(Split::Test).size(), 5743u);
  EXPECT_EQ(ds.examples[0].sequence.size(), 265u);
}

TEST(BioReaders, Cas13SplitHoldsOutWholeGuidePositions) {
  SUBQ_REQUIRE_SHARED(path, "data/bio/cas13_adapt/CCF_merged_pairs_annotated.curated.median.tsv.gz");
  BioDataSpec spec;
  spec.path = path.string();
  auto ds = subq::data::load_bio_dataset(spec);
  EXPECT_EQ(ds.format, "cas13");
  EXPECT_EQ(ds.channels(), 8);
  // Guides are unique per position; no guide may appear in two splits, and guides of
  // different splits must not overlap on the target.
  std::map<std::string, std::set<Split>> splits_of_guide;
  for (const auto& ex : ds.examples) splits_of_guide[ex.guide].insert(ex.split);
  for (const auto& [guide, splits] : splits_of_guide) EXPECT_EQ(splits.size(), 1u) << guide;
  EXPECT_GT(ds.indices(Split::Train).size(), 8000u);
  EXPECT_GT(ds.indices(Split::Validation).size(), 500u);
  EXPECT_GT(ds.indices(Split::Test).size(), 3000u);
  auto x = ds.encode({0});
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{1, 68, 8}));
  // Guide channels are zero on the flanks and one-hot on the 28 guide positions.
  EXPECT_EQ(x[0].narrow(0, 0, 20).narrow(1, 4, 4).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(x[0].narrow(0, 20, 28).narrow(1, 4, 4).sum().item<float>(), 28.0f);
}

}  // namespace
