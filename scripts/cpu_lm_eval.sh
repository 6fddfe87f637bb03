#!/usr/bin/env bash
# One model's quality and speed on this CPU, with the protocol of docs/linearize.md cut to what
# two cores do in minutes: WikiText-2 perplexity on the first N windows of 512 tokens of the
# held-out half (scripts/make_linearize_corpus.py), the five zero-shot tasks on their first K
# items, and prefill/decode tok/s (bench/llama_bench). Sequential, 2 threads; resumable (a
# result file that exists is kept). Used for the model-family table in docs/families.md.
#   scripts/cpu_lm_eval.sh MODEL NAME OUT_DIR [WINDOWS=40] [ITEMS=100] [extra subq eval args]
# TASKS (environment) picks the zero-shot tasks, e.g. TASKS="lambada piqa"; TASKS=none skips
# them (WikiText only). Default: all five.
set -euo pipefail
model=$1 name=$2 out=$3 windows=${4:-40} items=${5:-100}
shift $(( $# < 5 ? $# : 5 ))
data=$out/data
mkdir -p "$data" "$out/eval"
[[ -f $data/wiki_eval.txt ]] || python3 scripts/make_linearize_corpus.py ../shared/data/text/wiki.test.raw \
  ../shared/data/text/tinystories_val_first1000_eot.txt "$data/wiki_eval.txt" "$data/train_mix.txt"
[[ -s $data/hellaswag_val_first1000.txt ]] || bzip2 -dc ../shared/data/eval/hellaswag_val_full.txt.bz2 \
  | head -n 6000 > "$data/hellaswag_val_first1000.txt" || true
run() {  # RESULT_NAME subq-eval-args...
  local f=$out/eval/${name}_$1.json; shift
  [[ -s $f ]] && return 0
  build/bin/subq eval --model "$model" "$@" --threads 2 --json > "$f.tmp" && mv "$f.tmp" "$f"
}
run wikitext "$@" --task perplexity --data "$data/wiki_eval.txt" --ctx 512 --limit "$windows"
for t in lambada:../shared/data/eval/lambada_test.jsonl hellaswag:$data/hellaswag_val_first1000.txt \
         piqa:../shared/data/eval/piqa_test.json arc_easy:../shared/data/eval/ARC-Easy_test.json \
         winogrande:../shared/data/eval/winogrande_test.json; do
  task=${t%%:*}
  [[ " ${TASKS:-lambada hellaswag piqa arc_easy winogrande} " == *" $task "* ]] || continue
  run "$task" "$@" --task "$task" --data "${t#*:}" --limit "$items"
done
