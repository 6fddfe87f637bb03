#!/usr/bin/env bash
# The full LoLCATs method on SmolLM2-135M-Instruct on this CPU, with the H200 runs' recipe and
# budget (scripts/gpu_lm_experiments.sh, run "full"), then WikiText-2 perplexity of the base
# and the linearized model on the same 301 held-out windows. Resumable: rerun after a kill.
# About 2 h 15 min on the 2-core machine (docs/linearize.md).
#   scripts/cpu_lolcats_smollm2.sh MODEL.gguf WORK_DIR
set -euo pipefail
model=$1 work=$2
data=$work/data
mkdir -p "$data"
[[ -f $data/train_mix.txt ]] || python3 scripts/make_linearize_corpus.py ../shared/data/text/wiki.test.raw \
  ../shared/data/text/tinystories_val_first1000_eot.txt "$data/wiki_eval.txt" "$data/train_mix.txt"
build/bin/subq linearize --model "$model" --data "$data/train_mix.txt" --format eot --val-fraction 0.02 \
  --seq-len 512 --batch 8 --micro-batch 2 --transfer-steps 100 --lora-steps 100 --eval-every 20 \
  --lora-lr 1e-3 --window 64 --feature-dim 12 --threads 2 --json --out "$work/full" > "$work/train.json"
for run in full base; do
  linear=(); [[ $run == full ]] && linear=(--linear "$work/full")
  build/bin/subq eval --model "$model" "${linear[@]}" --task perplexity --data "$data/wiki_eval.txt" \
    --ctx 512 --threads 2 --json > "$work/${run}_wiki.json"
done
