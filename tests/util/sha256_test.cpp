#include "subq/util/sha256.h"

#include <gtest/gtest.h>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq {
namespace {

// FIPS 180-2 appendix B test vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_string(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_string("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_string(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesStringAndMissingFileIsAnError) {
  test::TempDir dir;
  const std::string text(70000, 'x');
  write_text_atomically(dir / "f", text);
  EXPECT_EQ(sha256_file(dir / "f"), sha256_string(text));
  EXPECT_THROW(sha256_file(dir / "missing"), Error);
}

}  // namespace
}  // namespace subq
