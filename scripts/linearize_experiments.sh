#!/usr/bin/env bash
# The linearization experiments of docs/linearize.md. Each run writes DIR/manifest.json
# (training summary + perplexity) and logs to $OUT/*.log. CPU-heavy: run in the background.
#   scripts/linearize_experiments.sh stories   # stories260K, TinyStories (minutes)
#   scripts/linearize_experiments.sh smollm2   # SmolLM2-135M + ablations (hours on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${SUBQ_SHARED:-../shared}"
OUT="${OUT:-experiments/linearize}"
SUBQ=build/bin/subq
THREADS="${THREADS:-2}"
mkdir -p "$OUT"

stories() {
  local model="$SHARED/models/stories260K/stories260K.gguf"
  local text="$SHARED/data/text/tinystories_val_first1000_eot.txt"
  # Train on stories 201-1000, evaluate on stories 1-200 (never seen in training).
  local evaltext="$OUT/tinystories_first200.txt"
  awk 'BEGIN{n=0} {print} /^<\|endoftext\|>$/{n++; if(n==200) exit}' "$text" > "$evaltext"
  for variant in "hybrid hedgehog" "linear hedgehog" "hybrid t2r"; do
    set -- $variant
    local dir="$OUT/stories260K_$1_$2"
    $SUBQ linearize --model "$model" --data "$text" --docs 201-1000 --out "$dir" --attention "$1" \
      --feature-map "$2" --seq-len 512 --window 64 --feature-dim 32 --batch 8 --transfer-steps 150 \
      --lora-steps 150 --eval-every 10 --lora-lr 1e-3 --eval-text "$evaltext" --threads "$THREADS" \
      > "$dir.log" 2>&1
    tail -4 "$dir.log"
  done
  local dir="$OUT/stories260K_no_transfer"
  $SUBQ linearize --model "$model" --data "$text" --docs 201-1000 --out "$dir" --no-transfer \
    --seq-len 512 --window 64 --feature-dim 32 --batch 8 --lora-steps 150 --eval-every 10 --lora-lr 1e-3 \
    --eval-text "$evaltext" --threads "$THREADS" > "$dir.log" 2>&1
  tail -4 "$dir.log"
}

smollm2() {
  local model="${SUBQ_DEFAULT_MODEL:-/root/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf}"
  local budget="${BUDGET_TOKENS:-2000000}"
  for variant in "hybrid hedgehog" "linear hedgehog" "hybrid t2r"; do
    set -- $variant
    local dir="$OUT/smollm2_$1_$2"
    $SUBQ linearize --model "$model" --data self --self-docs 512 --out "$dir" --attention "$1" --feature-map "$2" \
      --seq-len 512 --window 64 --feature-dim 32 --batch 8 --micro-batch 2 --budget-tokens "$budget" \
      --eval-every 25 --eval-text "$SHARED/data/text/wiki.test.raw" --threads "$THREADS" > "$dir.log" 2>&1
    tail -4 "$dir.log"
  done
}

"${1:-stories}"
