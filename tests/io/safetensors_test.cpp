#include "subq/io/safetensors.h"

#include <fstream>

#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;

TEST(Safetensors, RoundTripsDtypesShapesAndMetadata) {
  test::TempDir dir;
  io::TensorMap in = {{"a", torch::randn({3, 5})},
                      {"b.half", torch::randn({7}).to(torch::kFloat16)},
                      {"c", torch::arange(10, torch::kInt64).reshape({2, 5})},
                      {"empty", torch::zeros({0, 4})}};
  io::save_safetensors(dir / "x.safetensors", in, {{"format", "pt"}, {"k", "v"}});
  io::SafetensorsFile f(dir / "x.safetensors");
  EXPECT_EQ(f.metadata().at("k"), "v");
  EXPECT_TRUE(torch::equal(f.load("a"), in["a"]));
  EXPECT_EQ(f.load("b.half", false).scalar_type(), torch::kFloat16);
  EXPECT_TRUE(torch::equal(f.load("b.half"), in["b.half"].to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(f.load("c", false), in["c"]));
  EXPECT_EQ(f.load("empty").sizes(), (std::vector<int64_t>{0, 4}));
  EXPECT_THROW(f.load("missing"), Error);
}

TEST(Safetensors, RejectsTruncatedAndCorruptFiles) {
  test::TempDir dir;
  io::save_safetensors(dir / "ok.safetensors", {{"w", torch::randn({64})}});
  const std::string bytes = [&] {
    std::ifstream in(dir / "ok.safetensors", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  // Truncated data: offsets now run past the end.
  EXPECT_THROW(io::SafetensorsFile(write("trunc", bytes.substr(0, bytes.size() - 10))), Error);
  // Header length larger than the file.
  std::string huge = bytes;
  huge[5] = '\x7f';
  EXPECT_THROW(io::SafetensorsFile(write("huge", huge)), Error);
  // Not JSON.
  std::string junk = bytes;
  junk[8] = '#';
  EXPECT_THROW(io::SafetensorsFile(write("junk", junk)), Error);
  EXPECT_THROW(io::SafetensorsFile(write("tiny", "abc")), Error);
  try {
    io::SafetensorsFile(dir / "trunc");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trunc"), std::string::npos) << e.what();
  }
}
