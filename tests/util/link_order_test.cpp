// PyTorch's pip LibTorch exports an old, unversioned copy of std::filesystem from libtorch.so;
// calls that bind to it crash (remove_all jumped to address 0 with torch 2.11). cmake/Torch.cmake
// links libstdc++ first so LibTorch's copy loses. dlsym(RTLD_DEFAULT) walks the same search order as
// the binding of our own calls, and dladdr names the library the first match lives in.
#include <dlfcn.h>

#include <string>

#include <gtest/gtest.h>

namespace {

std::string first_definition(const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  Dl_info info{};
  if (!address || dladdr(address, &info) == 0 || !info.dli_fname) return "(not found)";
  return info.dli_fname;
}

TEST(LinkOrder, StdFilesystemDoesNotBindToLibTorch) {
#if _GLIBCXX_USE_CXX11_ABI
  const char* remove_all = "_ZNSt10filesystem10remove_allERKNS_7__cxx114pathERSt10error_code";
#else
  const char* remove_all = "_ZNSt10filesystem10remove_allERKNS_4pathERSt10error_code";
#endif
  // libstdc++ here; on the H200 machine's toolchain the executable holds its own copy. Either is safe.
  const auto lib = first_definition(remove_all);
  EXPECT_EQ(lib.find("libtorch"), std::string::npos) << "std::filesystem::remove_all comes from " << lib;
  EXPECT_EQ(lib.find("libc10"), std::string::npos) << "std::filesystem::remove_all comes from " << lib;
}

}  // namespace
