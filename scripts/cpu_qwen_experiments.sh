#!/usr/bin/env bash
# Qwen2.5-Coder on this 2-core CPU (docs/families.md): the 0.5B's code answer with the chat
# template, its quality next to SmolLM2's (scripts/cpu_lm_eval.sh, same windows and items),
# prefill/decode speed (bench/llama_bench), the 1.5B's load time and peak memory while it
# generates, and a small-budget `subq linearize` of the 0.5B with its same-budget softmax +
# LoRA control. Resumable: finished results are kept.
#   scripts/cpu_qwen_experiments.sh WORK [WINDOWS=20] [ITEMS=100] [STEPS=10]
set -euo pipefail
work=$1 windows=${2:-20} items=${3:-100} steps=${4:-10}
qwen=$(scripts/fetch_qwen.sh 0.5b) qwen15=$(scripts/fetch_qwen.sh 1.5b) smol=$(scripts/fetch_default_model.sh)
mkdir -p "$work"
prompt="Write a Python function is_prime(n) that returns True when n is a prime number."
[[ -s $work/qwen05_generate.txt ]] || build/bin/subq generate --model "$qwen" --chat --greedy --max-tokens 120 \
  --threads 2 --prompt "$prompt" > "$work/qwen05_generate.txt" 2>&1
[[ -s $work/qwen15_generate.txt ]] || /usr/bin/time -v build/bin/subq generate --model "$qwen15" --chat --greedy \
  --max-tokens 60 --threads 2 --prompt "$prompt" > "$work/qwen15_generate.txt" 2>&1
[[ -s $work/bench.txt ]] || build/bench/llama_bench --model "$smol" --model "$qwen" --contexts 128,512 \
  --decode-steps 32 --threads 2 > "$work/bench.txt" 2>&1
scripts/cpu_lm_eval.sh "$smol" smollm2 "$work" "$windows" "$items"
TASKS=none scripts/cpu_lm_eval.sh "$qwen" qwen05 "$work" "$windows"
# Small-budget linearization: steps x 4 chunks of 256 tokens per stage.
common=(--model "$qwen" --data "$work/data/train_mix.txt" --format eot --val-fraction 0.02 --seq-len 256
        --batch 4 --micro-batch 1 --transfer-steps "$steps" --lora-steps "$steps" --eval-every "$steps"
        --lora-lr 1e-3 --window 64 --feature-dim 12 --threads 2 --json)
for run in full softmax_lora; do
  variant=(); [[ $run == softmax_lora ]] && variant=(--attention softmax --no-transfer)
  [[ -s $work/qwen05_${run}_train.json ]] || build/bin/subq linearize "${common[@]}" "${variant[@]}" \
    --out "$work/qwen05_$run" > "$work/qwen05_${run}_train.json"
  f=$work/eval/qwen05_${run}_wikitext.json
  [[ -s $f ]] || build/bin/subq eval --model "$work/qwen05_$run" --task perplexity \
    --data "$work/data/wiki_eval.txt" --ctx 512 --limit "$windows" --threads 2 --json > "$f"
done
# The 0.5B's zero-shot tasks last (each costs ~4x SmolLM2's on this CPU); QWEN_ITEMS items.
scripts/cpu_lm_eval.sh "$qwen" qwen05 "$work" "$windows" "${QWEN_ITEMS:-$items}"
