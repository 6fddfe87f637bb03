#!/usr/bin/env bash
# The full LoLCATs method on SmolLM2-135M-Instruct on this CPU, with the H200 runs' recipe and
# budget (scripts/gpu_lm_experiments.sh, run "full"), then WikiText-2 perplexity of the base
# and the linearized model on the same 301 held-out windows. Resumable: rerun after a kill.
# About 2 h 15 min on the 2-core machine (docs/linearize.md).
#   scripts/cpu_lolcats_smollm2.sh MODEL.gguf WORK_DIR [full|softmax_lora]
# softmax_lora is the control: the base's softmax attention kept, the same LoRA stage only
# (--attention softmax --no-transfer), which shows what LoRA on this data gives by itself.
set -euo pipefail
model=$1 work=$2 run=${3:-full}
data=$work/data
mkdir -p "$data"
[[ -f $data/train_mix.txt ]] || python3 scripts/make_linearize_corpus.py ../shared/data/text/wiki.test.raw \
  ../shared/data/text/tinystories_val_first1000_eot.txt "$data/wiki_eval.txt" "$data/train_mix.txt"
case $run in
  full) variant=() ;;
  softmax_lora) variant=(--attention softmax --no-transfer) ;;
  *) echo "unknown run '$run' (full or softmax_lora)" >&2; exit 2 ;;
esac
build/bin/subq linearize --model "$model" --data "$data/train_mix.txt" --format eot --val-fraction 0.02 \
  --seq-len 512 --batch 8 --micro-batch 2 --transfer-steps 100 --lora-steps 100 --eval-every 20 \
  --lora-lr 1e-3 --window 64 --feature-dim 12 --threads 2 --json "${variant[@]}" --out "$work/$run" \
  > "$work/${run}_train.json"
for eval_run in "$run" base; do
  [[ $eval_run == base && -f $work/base_wiki.json ]] && continue  # the base is the same for every run
  linear=(); [[ $eval_run != base ]] && linear=(--linear "$work/$eval_run")
  build/bin/subq eval --model "$model" "${linear[@]}" --task perplexity --data "$data/wiki_eval.txt" \
    --ctx 512 --threads 2 --json > "$work/${eval_run}_wiki.json"
done
