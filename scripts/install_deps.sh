#!/usr/bin/env bash
# Installs everything subq needs on Debian 12 (run as root). Idempotent: safe to rerun.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git unzip
  libtorch-dev            # LibTorch 1.13 (CPU): tensors + autograd
  libopenblas0-pthread    # fast BLAS for LibTorch (reference BLAS is ~60x slower)
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libhdf5-dev             # Top-tagging .h5 files and subq's jet HDF5 schema
  libfastjet-dev          # jet clustering, subjets
  libcairo2-dev           # PNG/SVG figures
  libsentencepiece-dev    # reference SentencePiece for tokenizer equivalence tests
  libgloo-dev             # headers for c10d ProcessGroupGloo (data-parallel training)
  zlib1g-dev bzip2        # gzip bio tables; bz2 HellaSwag file
  libgtest-dev libbenchmark-dev
  python3-torch python3-numpy   # side-by-side PyTorch reference runs (/usr/bin/python3)
  python3-pip python3-venv
  chromium                # headless check that the attention report loads (tests skip without it)
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python packages for the jet data scripts only (scripts/make_top_h5_testdata.py builds a test
# file in the Top-tagging pandas/PyTables layout; scripts/convert_jetclass.py reads JetClass
# ROOT files). Kept in a virtual environment so Debian's python3-torch stays untouched.
JETS_VENV="${SUBQ_JETS_VENV:-/root/.cache/subq/jets-venv}"
if ! "$JETS_VENV/bin/python" -c 'import pandas, tables, uproot, h5py' >/dev/null 2>&1; then
  python3 -m venv --system-site-packages "$JETS_VENV"
  "$JETS_VENV/bin/pip" install -q pandas tables uproot h5py
fi

# Hugging Face transformers (the reference implementation the real-checkpoint tests and
# `scripts/hf_reference.py` compare subq with), over Debian's torch 1.13; `gguf` (ggml's own
# Python reader) dequantizes GGUF weights for it. Its own venv, for the same reason as above.
HF_VENV="${SUBQ_HF_VENV:-/root/.cache/subq/hf-venv}"
if ! "$HF_VENV/bin/python" -c 'import transformers, gguf, accelerate, torch' >/dev/null 2>&1; then
  /usr/bin/python3 -m venv --system-site-packages "$HF_VENV"
  "$HF_VENV/bin/pip" install -q "transformers==4.44.2" "gguf>=0.10" "accelerate<1.0"
fi

# Outside references for the GGUF tests: `gguf` (llama.cpp's Python reader and dequantizer,
# tests/io/gguf_dequant_reference.py) and Hugging Face `tokenizers` (the Qwen2 tokenizer
# golden, tests/tokenize/qwen2_tokenizer_reference.py). Tests skip when this venv is absent.
GGUF_VENV="${SUBQ_GGUF_VENV:-/root/.cache/subq/gguf-venv}"
if ! "$GGUF_VENV/bin/python" -c 'import gguf, tokenizers' >/dev/null 2>&1; then
  python3 -m venv "$GGUF_VENV"
  "$GGUF_VENV/bin/pip" install -q gguf==0.19.0 tokenizers==0.19.1
fi
