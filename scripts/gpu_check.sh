#!/usr/bin/env bash
# GPU check of subq's CUDA pieces (tools/gpu_check): builds them against the CUDA LibTorch of
# the machine's PyTorch install, runs the CUDA-vs-CPU kernel test and the GPU benchmark.
#   scripts/gpu_check.sh prepare   # here: copies fmt headers + GoogleTest sources to .devdeps/
#   scripts/gpu_check.sh run [OUT] # on the GPU machine (with .devdeps carried along)
# The GPU machine needs nvcc, CMake, ninja and python3 with a CUDA torch; nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
if [[ $mode == prepare ]]; then
  rm -rf .devdeps && mkdir -p .devdeps/include
  cp -r /usr/include/fmt .devdeps/include/
  cp -r /usr/src/googletest .devdeps/googletest
  grep -qx '/.devdeps/' .git/info/exclude 2>/dev/null || echo '/.devdeps/' >> .git/info/exclude
  du -sh .devdeps
  exit 0
fi
out=${2:-${OUT:-/tmp/gpu_check_out}}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/gpu.txt"
build=/tmp/subq_gpu_build
# Torch's CMake adds nvcc -gencode flags from this list (its default without a visible GPU
# includes architectures CUDA 13 no longer supports).
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
cmake -S tools/gpu_check -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DFMT_INCLUDE="$PWD/.devdeps/include" \
  -DGOOGLETEST_SOURCE="$PWD/.devdeps/googletest" -DCMAKE_CUDA_ARCHITECTURES=90 \
  > "$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
cmake --build $build -j "$(nproc)" 2>&1 | tail -5
$build/hybrid_cuda_test 2>&1 | tee "$out/hybrid_cuda_test.log"
$build/hybrid_attention_gpu_bench "${@:3}" 2>&1 | tee "$out/hybrid_attention_gpu_bench.log"
