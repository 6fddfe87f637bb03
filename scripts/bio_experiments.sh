#!/usr/bin/env bash
# Reproduces the tables of docs/bio.md: FLIP GB1 (5 splits x {lyra, cnn, transformer} x seeds),
# MLCPP 5-fold, Cas13 held-out positions. Resumable: a run whose metrics.json exists is skipped.
# Runs one training at a time (the machine is shared); each run is capped by wall time.
#   scripts/bio_experiments.sh [OUT_DIR]      then      scripts/bio_experiments.sh --summary OUT_DIR
# Environment: SUBQ (binary), SHARED (data root), SEEDS ("0 1 2"), THREADS (1; more threads stall badly on a loaded machine),
#              MAX_SECONDS (per-run training wall-time cap, default 60), BATCH (64), GB1_WINDOW,
#              MODELS (GB1 models, default "lyra cnn transformer"), GB1_ONLY (1: only GB1, all seeds).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUBQ="${SUBQ:-$ROOT/build/bin/subq}"
SHARED="${SHARED:-$ROOT/../shared}"
SEEDS="${SEEDS:-0 1 2}"
THREADS="${THREADS:-1}"
MAX_SECONDS="${MAX_SECONDS:-60}"
BATCH="${BATCH:-64}"
MODELS="${MODELS:-lyra cnn transformer}"
GB1_SPLITS="one_vs_rest two_vs_rest three_vs_rest low_vs_high sampled"
# GB1 varies only at 0-based positions 38, 39, 40, 53 of its 265 residues; the window keeps
# them with 14 residues of context on each side (44 residues) at a sixth of the cost.
# GB1_WINDOW="" trains on the full 265 residues.
GB1_WINDOW="${GB1_WINDOW-24:68}"

summary() {
  python3 - "$1" <<'PY'
import json, os, statistics as st, sys
root = sys.argv[1]
def load(path):
    with open(path) as f: return json.load(f)
def runs(sub):
    out = {}
    base = os.path.join(root, sub)
    if not os.path.isdir(base): return out
    for dirpath, _, files in os.walk(base):
        if "metrics.json" in files:
            rel = os.path.relpath(dirpath, base).split(os.sep)
            out.setdefault(tuple(rel[:-1]), []).append(load(os.path.join(dirpath, "metrics.json")))
    return out
def ms(values):
    if not values: return "-"
    return f"{st.mean(values):.3f} ± {st.stdev(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"
gb1 = runs("gb1")
if gb1:
    print("| split | model | params | seeds | test Spearman (mean ± std) | epochs run | train s/run |")
    print("|---|---|---|---|---|---|---|")
    for (split, model), rs in sorted(gb1.items()):
        print(f"| {split} | {model} | {rs[0]['parameters']} | {len(rs)} | {ms([r['test']['spearman'] for r in rs])} "
              f"| {ms([r['epochs_run'] for r in rs])} | {st.mean(r['train_seconds'] for r in rs):.0f} |")
for name, key in (("mlcpp", None), ("cas13", None)):
    rs_by = runs(name)
    if not rs_by: continue
    print()
    for (model,), rs in sorted(rs_by.items()):
        metrics = sorted(rs[0]["test"].keys())
        cells = ", ".join(f"{m} {ms([r['test'][m] for r in rs])}" for m in metrics if m != "n")
        print(f"{name} {model} ({rs[0]['parameters']} params, {len(rs)} runs, {st.mean(r['train_seconds'] for r in rs):.0f} s/run): {cells}")
PY
}

if [[ "${1:-}" == "--summary" ]]; then summary "$2"; exit 0; fi
OUT="${1:-$ROOT/build/bio_runs}"
mkdir -p "$OUT"

train() {  # train OUTDIR ARGS...
  local dir="$1"; shift
  if [[ -f "$dir/metrics.json" ]]; then return; fi
  mkdir -p "$dir"
  echo "[$(date -u +%H:%M:%S)] $dir"
  "$SUBQ" bio train --threads "$THREADS" --batch "$BATCH" --max-seconds "$MAX_SECONDS" --out "$dir" "$@" \
    > "$dir/log.txt" 2>&1 || { echo "FAILED: $dir (see $dir/log.txt)"; tail -3 "$dir/log.txt"; }
}

# Epochs and patience per split: the small splits need many passes to take enough steps.
epochs_for() { case "$1" in one_vs_rest) echo 300;; two_vs_rest) echo 100;; *) echo 30;; esac; }
patience_for() { case "$1" in one_vs_rest) echo 50;; two_vs_rest) echo 20;; *) echo 8;; esac; }

gb1_seed() {
  for split in $GB1_SPLITS; do
    for model in $MODELS; do
      train "$OUT/gb1/$split/$model/seed$1" --arch "$model" --task regression \
        --data "$SHARED/data/bio/flip_gb1/$split.csv" --seed "$1" \
        --epochs "$(epochs_for "$split")" --patience "$(patience_for "$split")" \
        ${GB1_WINDOW:+--window "$GB1_WINDOW"}
    done
  done
}

mlcpp() {  # mlcpp MODELS
  for model in $1; do
    for fold in 0 1 2 3 4; do
      train "$OUT/mlcpp/$model/fold$fold" --arch "$model" --task binary \
        --data "$SHARED/data/bio/cpp_mlcpp/seqs.fasta" --fold "$fold" --seed 0 --epochs 60 --patience 10
    done
  done
}

cas13() {  # cas13 SEED MODELS
  for model in $2; do
    train "$OUT/cas13/$model/seed$1" --arch "$model" --task regression \
      --data "$SHARED/data/bio/cas13_adapt/CCF_merged_pairs_annotated.curated.median.tsv.gz" \
      --seed "$1" --epochs 30 --patience 6
  done
}

# Order = priority, so a run cut short by time still yields the most useful table:
# every GB1 split/model once, Lyra on MLCPP and Cas13, the remaining seeds, then baselines.
first_seed="${SEEDS%% *}"
if [[ -n "${GB1_ONLY:-}" ]]; then  # GB1_ONLY=1: every seed of GB1 for $MODELS, nothing else
  for seed in $SEEDS; do gb1_seed "$seed"; done
  exit 0
fi
gb1_seed "$first_seed"
mlcpp lyra
cas13 "$first_seed" lyra
for seed in $SEEDS; do [[ "$seed" == "$first_seed" ]] || gb1_seed "$seed"; done
mlcpp "cnn transformer"
cas13 "$first_seed" "cnn transformer"
summary "$OUT" | tee "$OUT/summary.md"
