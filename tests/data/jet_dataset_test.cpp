// Loading jets: the shared .npy layouts, padding/truncation, bad input, HDF5 (both layouts).
#include <cstdlib>
#include <fstream>

#include "subq/data/jet_dataset.h"
#include "subq/data/hdf5_jets.h"
#include "subq/io/npy.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::data {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(JetDataset, LoadsTopTagging) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/top_2000");
  const auto jets = load_jets(dir);
  EXPECT_EQ(jets.size(), 2000);
  EXPECT_EQ(jets.max_particles(), 128);
  EXPECT_EQ(jets.class_names, (std::vector<std::string>{"QCD", "top"}));
  EXPECT_EQ(jets.labels.sum().item<int64_t>(), 940);
  const auto counts = jets.particle_counts();
  EXPECT_EQ(counts.min().item<int64_t>(), 8);
  EXPECT_EQ(counts.max().item<int64_t>(), 114);
  // pT-descending within each jet.
  const auto pt = torch::hypot(jets.four_vectors.select(1, 0), jets.four_vectors.select(1, 1));
  EXPECT_TRUE((pt.narrow(1, 0, 127) >= pt.narrow(1, 1, 127)).all().item<bool>());
}

TEST(JetDataset, LoadsJetClassOneHotLabels) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/jetclass_500");
  const auto jets = load_jets(dir);
  EXPECT_EQ(jets.size(), 500);
  EXPECT_EQ(jets.num_classes(), 10);
  EXPECT_EQ(jets.class_names[1], "Hbb");
  EXPECT_EQ(jets.labels[0].item<int64_t>(), 9);  // first row is one-hot at index 9
}

TEST(JetDataset, TruncatesByPtAndPads) {
  // Three particles given in the wrong order; keep 2 -> the two highest-pT ones.
  auto v = torch::zeros({1, 4, 3});
  const float pts[3] = {5, 50, 20};
  for (int i = 0; i < 3; ++i) v[0][0][i] = pts[i], v[0][3][i] = pts[i] * 2;
  const auto all = torch::ones({1, 3}, torch::kBool);
  const auto kept = make_jet_dataset(v, all, torch::tensor({int64_t{0}}), default_class_names(2), "t", 2);
  EXPECT_EQ(kept.four_vectors[0][0][0].item<float>(), 50);
  EXPECT_EQ(kept.four_vectors[0][0][1].item<float>(), 20);
  const auto padded = make_jet_dataset(v, all, torch::tensor({int64_t{0}}), default_class_names(2), "t", 5);
  EXPECT_EQ(padded.mask.sum().item<int64_t>(), 3);
  EXPECT_EQ(padded.four_vectors.narrow(2, 3, 2).abs().sum().item<float>(), 0);
}

TEST(JetDataset, NonFiniteInputNamesSourceAndJet) {
  auto v = torch::ones({3, 4, 2});
  v[2][1][0] = std::nanf("");
  const auto message = error_of([&] {
    make_jet_dataset(v, torch::ones({3, 2}, torch::kBool), torch::zeros({3}, torch::kInt64),
                     default_class_names(2), "file.npy", 4);
  });
  EXPECT_NE(message.find("file.npy"), std::string::npos) << message;
  EXPECT_NE(message.find("jet 2"), std::string::npos) << message;
}

TEST(JetDataset, MismatchedFilesGiveClearErrors) {
  test::TempDir dir;
  io::write_npy(dir / "x_vectors.npy", torch::ones({4, 4, 8}));
  io::write_npy(dir / "x_mask.npy", torch::ones({4, 1, 7}));
  io::write_npy(dir / "x_labels.npy", torch::zeros({4}, torch::kInt64));
  auto message = error_of([&] { load_jets(dir.path()); });
  EXPECT_NE(message.find("x_mask.npy"), std::string::npos) << message;
  io::write_npy(dir / "x_mask.npy", torch::ones({4, 1, 8}));
  io::write_npy(dir / "x_labels.npy", torch::zeros({3}, torch::kInt64));
  message = error_of([&] { load_jets(dir.path()); });
  EXPECT_NE(message.find("3 labels"), std::string::npos) << message;
  std::filesystem::remove(dir / "x_labels.npy");
  message = error_of([&] { load_jets(dir.path()); });
  EXPECT_NE(message.find("labels"), std::string::npos) << message;
  std::ofstream(dir / "junk.h5") << "not hdf5";
  message = error_of([&] { load_jets(dir / "junk.h5"); });
  EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;
}

TEST(JetHdf5, SubqSchemaRoundTripsTheSharedJets) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/jetclass_500");
  test::TempDir tmp;
  const auto jets = load_jets(dir);
  data::write_jet_h5(jets, tmp / "jets.h5");
  const auto back = load_jets(tmp / "jets.h5");
  EXPECT_TRUE(torch::equal(back.four_vectors, jets.four_vectors));
  EXPECT_TRUE(torch::equal(back.mask, jets.mask));
  EXPECT_TRUE(torch::equal(back.labels, jets.labels));
  EXPECT_EQ(back.class_names, jets.class_names);
  JetLoadOptions first;
  first.max_jets = 7;
  EXPECT_EQ(load_jets(tmp / "jets.h5", first).size(), 7);
}

TEST(JetHdf5, SubqSchemaKeepsParticleExtras) {
  test::TempDir tmp;
  auto v = torch::rand({3, 4, 5}) + 1;
  auto mask = torch::ones({3, 5}, torch::kBool);
  JetParticleExtras extras;
  float k = 0;
  for (auto& [name, t] : extras.named()) *t = torch::full({3, 5}, k++);
  const auto jets = make_jet_dataset(v, mask, torch::tensor({0, 1, 1}), default_class_names(2), "t", 5, extras);
  data::write_jet_h5(jets, tmp / "x.h5");
  const auto back = load_jets(tmp / "x.h5");
  ASSERT_TRUE(back.extras.has_value());
  EXPECT_EQ(back.extras->dzerr[0][0].item<float>(), 9);
  EXPECT_EQ(back.extras->charge[2][4].item<float>(), 0);
}

// A python interpreter that can import `modules` ("" when none), for the data scripts.
std::string python_with(const std::string& modules) {
  const char* from_env = std::getenv("SUBQ_JETS_PYTHON");
  for (const char* candidate : {from_env, "/root/.cache/subq/jets-venv/bin/python",
                                "python3", "/usr/bin/python3"}) {
    if (candidate && test::run_command(std::string(candidate) + " -c 'import " + modules + "'") == 0)
      return candidate;
  }
  return "";
}

std::string script(const std::string& name) {
  // SUBQ_TEST_DATA is <checkout>/tests/data (which need not exist).
  return (std::filesystem::path(SUBQ_TEST_DATA).parent_path().parent_path() / "scripts" / name).string();
}

// scripts/convert_jetclass.py --npy writes the schema independently of write_jet_h5.
TEST(JetHdf5, PythonConverterOutputMatchesTheNpyJets) {
  SUBQ_REQUIRE_SHARED(dir, "data/jets/jetclass_500");
  const auto python = python_with("h5py, numpy");
  if (python.empty()) GTEST_SKIP() << "needs python with h5py (scripts/install_deps.sh)";
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(python + " " + script("convert_jetclass.py") + " " + (tmp / "c.h5").string() +
                                  " --npy " + dir.string(), &out), 0) << out;
  const auto converted = load_jets(tmp / "c.h5");
  const auto original = load_jets(dir);
  EXPECT_TRUE(torch::equal(converted.four_vectors, original.four_vectors));
  EXPECT_TRUE(torch::equal(converted.labels, original.labels));
  EXPECT_EQ(converted.class_names, original.class_names);
}

// The Top Quark Tagging Reference Dataset layout, made by pandas + PyTables at test time.
TEST(JetHdf5, ReadsTopTaggingPandasTable) {
  const auto python = python_with("pandas, tables");
  if (python.empty()) GTEST_SKIP() << "needs python with pandas + tables (scripts/install_deps.sh)";
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(python + " " + script("make_top_h5_testdata.py") + " " + (tmp / "top.h5").string(), &out), 0) << out;
  const auto jets = load_jets(tmp / "top.h5");
  // The script writes 6 jets: jet j has j + 1 particles with E_i = 100 - i, PX_i = 10 + i,
  // PY_i = j, PZ_i = 1; is_signal_new = j % 2.
  ASSERT_EQ(jets.size(), 6);
  EXPECT_EQ(jets.labels[3].item<int64_t>(), 1);
  EXPECT_EQ(jets.particle_counts()[4].item<int64_t>(), 5);
  EXPECT_EQ(jets.four_vectors[4][3][0].item<float>(), 96);  // highest pT = PX 14 -> E 96
  EXPECT_EQ(jets.four_vectors[4][0][0].item<float>(), 14);
  EXPECT_EQ(jets.four_vectors[4][1][2].item<float>(), 4);
}

}  // namespace
}  // namespace subq::data
