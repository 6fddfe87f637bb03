#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang + ASan + UBSan (in
# build-sanitize/, shared with asan_tests.sh) and runs
# each for the given number of seconds. Usage: scripts/fuzz.sh [seconds-per-target] [jobs]
# Seeds come from ../shared when present (copied into the build tree, never into the repo).
# Crashes are written to build-sanitize/findings/<target>/; the script exits non-zero on any.
set -euo pipefail
seconds=${1:-60}
jobs=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SUBQ_SHARED:-$root/../shared}
source "$root/scripts/sanitize_build.sh"
configure_sanitize_build "$root"
build=$SUBQ_SANITIZE_BUILD
cmake --build "$build" -j"$jobs" --target fuzzers

seed() {  # seed <target> <file>...
  local target=$1
  shift
  mkdir -p "$build/corpus/$target"
  for f in "$@"; do if [ -f "$f" ]; then cp -n "$f" "$build/corpus/$target/"; fi; done
}
seed gguf_fuzz "$shared/models/stories260K/stories260K.gguf"
seed llama2c_fuzz "$shared/models/stories260K/stories260K.bin"
seed tokenizer_bin_fuzz "$shared/models/stories260K/tok512.bin"
seed tokenizer_model_fuzz "$shared/models/llama2-tokenizer/tokenizer.model"
seed tokenizer_json_fuzz
seed safetensors_fuzz
printf '{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]},"pre_tokenizer":{"type":"ByteLevel"}}' \
  > "$build/corpus/tokenizer_json_fuzz/tiny.json"
python3 - "$build/corpus/safetensors_fuzz/tiny.safetensors" <<'PY'
import json, struct, sys
header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1, 2))
PY

# LibTorch allocates at start-up and never frees some of it: leak checking would only report that.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
status=0
for target in gguf_fuzz safetensors_fuzz llama2c_fuzz tokenizer_bin_fuzz tokenizer_model_fuzz tokenizer_json_fuzz; do
  mkdir -p "$build/findings/$target"
  echo "== $target: ${seconds}s"
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=4194304 \
      -artifact_prefix="$build/findings/$target/" -print_final_stats=1 "$build/corpus/$target" \
      2>&1 | tail -n 12; then
    status=1
  fi
  [ -n "$(ls -A "$build/findings/$target")" ] && status=1
done
exit $status
