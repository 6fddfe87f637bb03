#!/usr/bin/env bash
# Builds a separate tree with AddressSanitizer + UBSan (-DSUBQ_SANITIZE=ON) and runs the
# parser and tokenizer tests in it. Usage: scripts/asan_tests.sh [jobs]
# LibTorch keeps some start-up allocations for the life of the process, so LeakSanitizer is
# turned off (detect_leaks=0); every other ASan/UBSan finding fails the run.
set -euo pipefail
jobs=${1:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-asan
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUBQ_SANITIZE=ON \
  -DSUBQ_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target test_io test_tokenize spm_reference
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$build/tests/test_io"
"$build/tests/test_tokenize"
