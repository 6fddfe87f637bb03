# LibTorch, for the main build and tools/gpu_check: Debian's libtorch-dev 1.13 (CPU) or the
# CUDA LibTorch inside a PyTorch 2.x install.
find_package(Torch REQUIRED)
# LibTorch's CMake config adds its own flags (e.g. -D_GLIBCXX_USE_CXX11_ABI); keep them.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")
# PyTorch's pip wheels export an old copy of std::filesystem from libtorch.so. When LibTorch
# comes before libstdc++ in the dynamic lookup order, our std::filesystem calls bind to that
# copy, and remove_all jumps to address 0 (seen with torch 2.11). libstdc++ named ahead of
# LibTorch, outside --as-needed (which would list it after), is searched first.
list(PREPEND TORCH_LIBRARIES "-Wl,--push-state,--no-as-needed" stdc++ "-Wl,--pop-state")
