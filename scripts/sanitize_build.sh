# Sourced by asan_tests.sh and fuzz.sh: one clang build tree with ASan + UBSan
# (-DSUBQ_SANITIZE=ON) and libFuzzer coverage instrumentation (-DSUBQ_FUZZ=ON).
configure_sanitize_build() {
  local root=$1
  SUBQ_SANITIZE_BUILD=$root/build-sanitize
  CC=clang CXX=clang++ cmake -S "$root" -B "$SUBQ_SANITIZE_BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUBQ_SANITIZE=ON -DSUBQ_FUZZ=ON -DSUBQ_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
}
