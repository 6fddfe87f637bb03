#!/usr/bin/env bash
# The docs/compress.md comparison: SmolLM2-135M-Instruct compressed at 30% and 50% of the
# attention + MLP linears by softrank, uniform SVD and activation-aware SVD, each scored on
# WikiText-2 perplexity and two zero-shot tasks, plus prefill/decode speed vs the original.
# Usage: bench/compress_experiments.sh OUTDIR   (env knobs below; runs sequentially, logs JSON)
set -euo pipefail
OUT=${1:?usage: compress_experiments.sh OUTDIR}
MODEL=${SUBQ_DEFAULT_MODEL:-/root/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf}
SHARED=${SUBQ_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
SUBQ=${SUBQ:-build/bin/subq}
BENCH=${BENCH:-build/bench/compress_bench}
TRAIN=${TRAIN:-$SHARED/data/text/tinystories_val_first1000_eot.txt}
TARGETS=${TARGETS:-"0.5 0.3"}
METHODS=${METHODS:-"svd asvd softrank"}
TOKENS=${TOKENS:-8192}          # softrank training tokens
CALIB=${CALIB:-4096}            # calibration tokens (asvd, whitened basis)
SEQ=${SEQ:-128}; BATCH=${BATCH:-2}
PPL_CTX=${PPL_CTX:-256}; PPL_WINDOWS=${PPL_WINDOWS:-16}
LIMIT=${LIMIT:-200}             # items per zero-shot task
TASKS=${TASKS:-"piqa:piqa_test.json winogrande:winogrande_test.json"}
SOFTRANK_ARGS=${SOFTRANK_ARGS:---basis whitened}
mkdir -p "$OUT"

run_eval() {  # run_eval NAME MODEL_OR_DIR TASK FILE [extra args]: once, JSON to OUT/NAME.TASK.json
  local name=$1 model=$2 task=$3 file=$4; shift 4
  [ -f "$OUT/$name.$task.json" ] && return 0
  "$SUBQ" eval --model "$model" --task "$task" --data "$file" --json "$@" > "$OUT/$name.$task.json.tmp"
  mv "$OUT/$name.$task.json.tmp" "$OUT/$name.$task.json"
}

# Phase 1: every model compressed and its WikiText-2 perplexity (the most telling number);
# phase 2: zero-shot tasks; phase 3: speed. Ordered so a cut-short run still reports phase 1.
MODELS=("original:$MODEL")
for target in $TARGETS; do
  for method in $METHODS; do
    dir="$OUT/${method}_${target}"
    extra=""
    [ "$method" = softrank ] && extra="$SOFTRANK_ARGS"
    if [ ! -f "$dir/manifest.json" ]; then
      # shellcheck disable=SC2086
      "$SUBQ" compress --model "$MODEL" --target "$target" --data "$TRAIN" --out "$dir" \
          --method "$method" --budget-tokens "$TOKENS" --calib-tokens "$CALIB" --seq "$SEQ" \
          --batch "$BATCH" --json $extra > "$dir.compress.json" 2> "$dir.compress.log"
    fi
    MODELS+=("${method}_${target}:$dir")
  done
done
for entry in "${MODELS[@]}"; do
  run_eval "${entry%%:*}" "${entry#*:}" perplexity "$SHARED/data/text/wiki.test.raw" \
      --ctx "$PPL_CTX" --limit "$PPL_WINDOWS"
done
for spec in $TASKS; do
  for entry in "${MODELS[@]}"; do
    run_eval "${entry%%:*}" "${entry#*:}" "${spec%%:*}" "$SHARED/data/eval/${spec#*:}" --limit "$LIMIT"
  done
done
for target in $TARGETS; do
  for method in $METHODS; do
    [ -x "$BENCH" ] && "$BENCH" "$OUT/${method}_${target}" 128 16 3 > "$OUT/speed_${method}_${target}.txt" 2>&1 || true
  done
done
echo "done: $OUT"
