// .npy reader: dtypes, header versions, and clear errors on corrupt files.
#include <fstream>

#include "subq/io/npy.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq {
namespace {

// A .npy file written byte by byte (independent of write_npy).
void write_raw_npy(const std::filesystem::path& path, int version, const std::string& dict,
                   const std::string& data) {
  std::string header = dict;
  const size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64) header.push_back(' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY", 6);
  out.put(static_cast<char>(version));
  out.put(0);
  const uint32_t len = header.size();
  out.write(reinterpret_cast<const char*>(&len), version == 1 ? 2 : 4);
  out << header << data;
}

TEST(Npy, RoundTripsEveryDtype) {
  test::TempDir dir;
  for (auto type : {torch::kFloat32, torch::kFloat64, torch::kInt64, torch::kInt32, torch::kUInt8,
                    torch::kBool, torch::kInt8, torch::kInt16}) {
    auto t = (torch::arange(24) % 7).reshape({2, 3, 4}).to(type);
    io::write_npy(dir / "a.npy", t);
    const auto back = io::read_npy(dir / "a.npy");
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_TRUE(torch::equal(back, t)) << c10::toString(type);
  }
  io::write_npy(dir / "v.npy", torch::tensor({1.5, 2.5}));
  EXPECT_TRUE(torch::equal(io::read_npy(dir / "v.npy"), torch::tensor({1.5, 2.5})));
}

TEST(Npy, ReadsVersion2And3Headers) {
  test::TempDir dir;
  const float values[] = {1, -2, 3.5};
  const std::string data(reinterpret_cast<const char*>(values), sizeof(values));
  for (int version : {2, 3}) {
    write_raw_npy(dir / "a.npy", version, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data);
    EXPECT_TRUE(torch::equal(io::read_npy(dir / "a.npy"), torch::tensor({1.0f, -2.0f, 3.5f})));
  }
}

TEST(Npy, ReadsTheSharedJetArrays) {
  SUBQ_REQUIRE_SHARED(labels, "data/jets/top_2000/tl_labels.npy");
  const auto t = io::read_npy(labels);
  EXPECT_EQ(t.scalar_type(), torch::kInt64);
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2000}));
  EXPECT_EQ(t.sum().item<int64_t>(), 940);  // 940 top jets (README)
}

void expect_error(const std::filesystem::path& path, const std::string& fragment) {
  try {
    io::read_npy(path);
    FAIL() << "no error for " << path;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(Npy, CorruptFilesGiveClearErrors) {
  test::TempDir dir;
  const std::string twelve(12, '\0');
  write_raw_npy(dir / "short.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", twelve);
  expect_error(dir / "short.npy", "truncated");
  write_raw_npy(dir / "fortran.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", twelve);
  expect_error(dir / "fortran.npy", "Fortran");
  write_raw_npy(dir / "big.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", twelve);
  expect_error(dir / "big.npy", "big-endian");
  write_raw_npy(dir / "obj.npy", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", twelve);
  expect_error(dir / "obj.npy", "dtype");
  write_raw_npy(dir / "noshape.npy", 1, "{'descr': '<f4', 'fortran_order': False}", twelve);
  expect_error(dir / "noshape.npy", "shape");
  std::ofstream(dir / "text.npy") << "hello, not numpy";
  expect_error(dir / "text.npy", "magic");
  expect_error(dir / "missing.npy", "missing.npy");
}

}  // namespace
}  // namespace subq
