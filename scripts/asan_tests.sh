#!/usr/bin/env bash
# Runs the parser and tokenizer tests (test_io, test_tokenize) under AddressSanitizer +
# UBSan: builds them in build-sanitize/ (clang, -DSUBQ_SANITIZE=ON; the tree is shared with
# scripts/fuzz.sh, hence also -DSUBQ_FUZZ=ON and coverage instrumentation, which only the
# fuzz targets use). Usage: scripts/asan_tests.sh [jobs]
# LibTorch keeps some start-up allocations for the life of the process, so LeakSanitizer is
# off (detect_leaks=0); every other ASan/UBSan report stops the run with a failure.
set -euo pipefail
jobs=${1:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/sanitize_build.sh"
configure_sanitize_build "$root"
cmake --build "$SUBQ_SANITIZE_BUILD" -j"$jobs" --target test_io test_tokenize spm_reference
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$SUBQ_SANITIZE_BUILD/tests/test_io"
"$SUBQ_SANITIZE_BUILD/tests/test_tokenize"
