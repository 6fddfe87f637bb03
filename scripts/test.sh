#!/usr/bin/env bash
# README command 2: the whole test suite. Installs what is missing, builds, fetches the
# default model and Qwen2.5-Coder-0.5B (tests that need them or ../shared skip with a message
# when absent), runs ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
SUBQ_DEFAULT_MODEL=$(scripts/fetch_default_model.sh) || {
  echo "warning: default model not fetched; tests that need it will skip" >&2
  SUBQ_DEFAULT_MODEL=""
}
export SUBQ_DEFAULT_MODEL
# Real checkpoints the reference tests hold against transformers (they skip when absent).
SUBQ_MINILM_MODEL=$(scripts/fetch_minilm.sh) || SUBQ_MINILM_MODEL=""
export SUBQ_MINILM_MODEL
# Qwen2.5-Coder-0.5B (Q4_K_M, 491 MB): real K-quant rows and the Qwen2 tokenizer golden.
SUBQ_QWEN_MODEL=$(scripts/fetch_qwen.sh 0.5b) || {
  echo "warning: Qwen2.5-Coder-0.5B not fetched; the K-quant file and Qwen2 tokenizer tests will skip" >&2
  SUBQ_QWEN_MODEL=""
}
export SUBQ_QWEN_MODEL
cd build
ctest -j2 --output-on-failure --timeout 1200
