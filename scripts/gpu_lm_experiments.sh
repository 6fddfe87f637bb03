#!/usr/bin/env bash
# LoLCATs on SmolLM2-135M-Instruct (issue 4): the full method and the three ablations at the
# same token budget, then WikiText perplexity and the five zero-shot tasks for the base model
# and every linearized one. Runs on one GPU: the trainings run side by side, then the
# evaluations (each process is small; the GPU is shared). Called by scripts/gpu_lm.sh run.
#   gpu_lm_experiments.sh SUBQ_LM MODEL DATA_DIR OUT
# Results: OUT/results.tar.gz (JSON per evaluation, training logs and summaries) and
# OUT/linear_<run>.tar.gz (each run's new parameters, without training checkpoints).
set -uo pipefail
subq=$1 model=$2 data=$3 out=$4
work=/tmp/subq_gpu_runs
rm -rf $work && mkdir -p $work/eval $work/logs
steps=${SUBQ_GPU_STEPS:-100}
limit=${SUBQ_GPU_LIMIT:-500}
# WikiText windows of 512 per model: 100 keep the hybrid models' evaluation (whose CUDA prefill
# walks tokens in order) well inside the call; 0 = all 301.
ppl_windows=${SUBQ_GPU_PPL_WINDOWS:-100}
common=(--model "$model" --data "$data/train_mix.txt" --format eot --val-fraction 0.02 --seq-len 512
        --batch 8 --transfer-steps "$steps" --lora-steps "$steps" --eval-every 20 --lora-lr 1e-3
        --window 64 --device cuda --threads 2 --json)
# f = 12 keeps the new parameters (feature maps + LoRA r 8 on q/k/v/o) under 1% of SmolLM2's.
declare -A runs=(
  [full]="--feature-dim 12"
  [no_transfer]="--feature-dim 12 --no-transfer"
  [linear_only]="--feature-dim 12 --attention linear"
  [t2r]="--feature-dim 12 --feature-map t2r"
)

pack() {  # everything small enough to come back, re-packed as results arrive
  tar -C $work -czf $out/results.tar.gz.tmp eval logs $(cd $work && ls -d */summary.json 2>/dev/null) \
    && mv $out/results.tar.gz.tmp $out/results.tar.gz
}

evaluate() {  # NAME [--linear DIR]
  local name=$1; shift
  $subq eval --model "$model" "$@" --task perplexity --data "$data/wiki_eval.txt" --ctx 512 --limit $ppl_windows --device cuda \
    --threads 1 --json > $work/eval/${name}_wikitext.json 2> $work/logs/${name}_wikitext.err &
  for t in lambada:lambada_test.jsonl hellaswag:hellaswag_val_first1000.txt piqa:piqa_test.json \
           arc_easy:ARC-Easy_test.json winogrande:winogrande_test.json; do
    $subq eval --model "$model" "$@" --task ${t%%:*} --data "$data/${t#*:}" --limit $limit --device cuda \
      --threads 1 --json > $work/eval/${name}_${t%%:*}.json 2> $work/logs/${name}_${t%%:*}.err &
  done
}

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee $work/logs/gpu.txt
start=$(date +%s)
evaluate base
for run in "${!runs[@]}"; do
  # shellcheck disable=SC2086
  ($subq linearize "${common[@]}" ${runs[$run]} --out $work/$run > $work/logs/${run}_train.json \
     2> $work/logs/${run}_train.err; cp $work/logs/${run}_train.json $work/$run/summary.json 2>/dev/null
   # The new parameters come back as soon as they exist, whatever happens to the evaluations.
   tar -C $work/$run -czf $out/linear_$run.tar.gz --exclude='*checkpoint*' . 2>/dev/null
   evaluate $run --linear $work/$run; wait) &
done
deadline=${SUBQ_GPU_DEADLINE:-530}  # seconds; the device call's limit is 600
while [[ -n $(jobs -r) ]]; do
  sleep 15; pack
  echo "$(( $(date +%s) - start )) s: $(ls $work/eval | wc -l) evaluations written, $(jobs -r | wc -l) jobs running"
  if (( $(date +%s) - start > deadline )); then
    # Match the subq processes only (their command line starts with the binary), not this script.
    echo "deadline reached: stopping what still runs"; pkill -f "^$subq " ; sleep 2; break
  fi
done
wait
pack
echo "all done in $(( $(date +%s) - start )) s"
ls -la $out
