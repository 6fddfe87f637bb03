#!/usr/bin/env bash
# The main job on the default model: `subq linearize` with a small budget (LoLCATs attention
# transfer + LoRA on text sampled from the model itself, so no corpus is needed), then a
# table of base vs linearized perplexity and decode speed at a long context.
# Rerunning resumes an interrupted linearization (checkpoints live in the output directory).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="$1"
SHARED="${SUBQ_SHARED:-../shared}"
WORK="${SUBQ_MAIN_JOB_DIR:-build/main_job}"
SUBQ=build/bin/subq
mkdir -p "$WORK"
$SUBQ info "$MODEL"
$SUBQ linearize --model "$MODEL" --data self --self-docs 10 --val-fraction 0.2 --seq-len 128 --batch 2 \
  --transfer-steps 6 --lora-steps 6 --eval-every 3 --lora-lr 1e-3 --feature-dim 32 --out "$WORK/linear"
TEXT="$SHARED/data/text/wiki.test.raw"
[ -f "$TEXT" ] || TEXT="$WORK/linear/self_generated.txt"
ppl() {
  $SUBQ perplexity --model "$MODEL" "$@" --text "$TEXT" --ctx 256 --max-docs 4 --json |
    python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["perplexity"])'
}
BASE_PPL=$(ppl)
LIN_PPL=$(ppl --linear "$WORK/linear")
cmake --build build --target linearize_bench >/dev/null
build/bench/linearize_bench --model "$MODEL" --linear "$WORK/linear" --context 2048 --decode 32 | tee "$WORK/speed.txt"
echo
printf '%-12s %18s\n' model "perplexity (wiki)"
printf '%-12s %18s\n' base "$BASE_PPL" linearized "$LIN_PPL"
