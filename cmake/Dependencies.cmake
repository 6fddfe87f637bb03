# Every external library subq links, found once here. README.md says why each is needed.
include(${CMAKE_CURRENT_LIST_DIR}/Torch.cmake)  # tensors + autograd
find_package(nlohmann_json 3 REQUIRED)  # GGUF/safetensors/tokenizer.json metadata, reports, manifests
find_package(fmt REQUIRED)              # formatting of messages and tables
find_package(CLI11 REQUIRED)            # command-line parsing for `subq <command>`
find_package(OpenMP REQUIRED)           # fused CPU kernels
find_package(ZLIB REQUIRED)             # gzip-compressed bio tables (.tsv.gz)
find_package(PkgConfig REQUIRED)
# libsentencepiece bundles its own protobuf, which clashes with LibTorch's libprotobuf when both
# load into one process (segfault during static init). libsubq therefore reads tokenizer.model
# itself; libsentencepiece links only into a torch-free reference tool used by the tests.
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)                  # PNG/SVG figures
find_package(HDF5 REQUIRED COMPONENTS C)                                 # Top-tagging .h5, subq jet files
find_library(FASTJET_LIB fastjet REQUIRED)                               # jet clustering and subjets
find_path(FASTJET_INCLUDE fastjet/ClusterSequence.hh REQUIRED)

# CUDA kernels build only against a CUDA LibTorch (TORCH_CUDA_LIBRARIES is empty for the CPU
# build). A CUDA toolkit alone is not enough: the kernels' callers need ATen's CUDA headers.
if(TORCH_CUDA_LIBRARIES)
  set(SUBQ_WITH_CUDA ON)
endif()
