#!/usr/bin/env bash
# Issue 4's SmolLM2 experiments on a GPU machine: subq's language-model commands built against
# the CUDA LibTorch of the machine's PyTorch (tools/gpu_check, target subq_lm), then the
# LoLCATs runs (full method + ablations) and the zero-shot evaluation, all with --device cuda.
#
#   scripts/gpu_lm.sh prepare          # here: header-only deps, data, the model in two parts
#   scripts/gpu_lm.sh build OUT        # GPU machine, call 1 (carry .devdeps .gpu_model_a)
#   scripts/gpu_lm.sh run OUT          # GPU machine, call 2 (carry .gpu_model_b .gpu_data)
#   scripts/gpu_lm.sh check OUT        # GPU machine, after build (carry .gpu_small): the NCCL
#                                      # process-group tests and `linearize --device cuda` on stories260K
#
# The device tool moves at most 64 MiB per call, and the Q4_1 SmolLM2 GGUF is 98 MB: call 1
# leaves its first part in /tmp, call 2 brings the rest and checks the sha256 of the whole.
# The GPU machine has no network, nothing is fetched there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?prepare, build or run}
model_src=${SUBQ_DEFAULT_MODEL:-$HOME/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf}
build=/tmp/subq_gpu_build
stash=/tmp/subq_gpu_model

exclude() { grep -qx "/$1/" .git/info/exclude 2>/dev/null || echo "/$1/" >> .git/info/exclude; }

if [[ $mode == prepare ]]; then
  rm -rf .devdeps .gpu_model_a .gpu_model_b .gpu_data .gpu_small
  mkdir -p .devdeps/include .gpu_model_a .gpu_model_b .gpu_data .gpu_small
  cp -r /usr/include/fmt /usr/include/nlohmann /usr/include/CLI .devdeps/include/
  cp -r /usr/src/googletest .devdeps/googletest
  for d in .devdeps .gpu_model_a .gpu_model_b .gpu_data .gpu_small; do exclude "${d#/}"; done
  cp ../shared/models/stories260K/stories260K.gguf ../shared/data/text/tinystories_val_first1000_eot.txt .gpu_small/
  half=$(( ($(stat -c %s "$model_src") + 1) / 2 ))
  head -c $half "$model_src" > .gpu_model_a/part
  tail -c +$((half + 1)) "$model_src" > .gpu_model_b/part
  sha256sum "$model_src" | cut -d' ' -f1 > .gpu_model_b/sha256
  cp ../shared/data/eval/{lambada_test.jsonl,piqa_test.json,winogrande_test.json,ARC-Easy_test.json} .gpu_data/
  # The first 1,000 HellaSwag items (6 lines each), decompressed: no bzip2 needed there.
  (bzip2 -dc ../shared/data/eval/hellaswag_val_full.txt.bz2 || true) | head -n 6000 > .gpu_data/hellaswag_val_first1000.txt
  python3 scripts/make_linearize_corpus.py ../shared/data/text/wiki.test.raw \
    ../shared/data/text/tinystories_val_first1000_eot.txt .gpu_data/wiki_eval.txt .gpu_data/train_mix.txt
  du -sh .devdeps .gpu_model_a .gpu_model_b .gpu_data .gpu_small
  exit 0
fi

out=${2:-${OUT:-/tmp/gpu_lm_out}}
mkdir -p "$out"
if [[ $mode == build ]]; then
  [[ -f .gpu_model_a/part ]] && mkdir -p $stash && cp .gpu_model_a/part $stash/a
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
  cmake -S tools/gpu_check -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DFMT_INCLUDE="$PWD/.devdeps/include" -DJSON_INCLUDE="$PWD/.devdeps/include" \
    -DCLI11_INCLUDE="$PWD/.devdeps/include" -DGOOGLETEST_SOURCE="$PWD/.devdeps/googletest" \
    -DCMAKE_CUDA_ARCHITECTURES=90 > "$out/configure.log" 2>&1 \
    || { tail -40 "$out/configure.log"; exit 1; }
  start=$(date +%s)
  cmake --build $build --target subq_lm lm_gpu_tests -j "$(nproc)" > "$out/build.log" 2>&1 \
    || { grep -E -A3 "error|FAILED" "$out/build.log" | head -80; exit 1; }
  echo "built $build/subq_lm and lm_gpu_tests in $(( $(date +%s) - start )) s"
  exit 0
fi

if [[ $mode == check ]]; then
  $build/lm_gpu_tests > "$out/lm_gpu_tests.log" 2>&1 || echo "lm_gpu_tests failed: rc=$?"
  grep -E "^\[ +(OK|FAILED|SKIPPED|PASSED) +\]|Failure|Segmentation" "$out/lm_gpu_tests.log" | tail -25
  if ! grep -q "PASSED" "$out/lm_gpu_tests.log"; then  # a crash: the NCCL tests alone, and a backtrace
    $build/lm_gpu_tests --gtest_filter='*OneRank*:*LocalWorkers*:*Gpus*' 2>&1 | grep -E "^\[|Failure|rror" | tail -12 || true
    command -v gdb > /dev/null && gdb -batch -ex run -ex bt --args $build/lm_gpu_tests \
      --gtest_filter='*ResumeAfterInterruption*' 2>&1 | grep -E "^#|signal" | head -25 || true
  fi
  lin() {
    $build/subq_lm linearize --model .gpu_small/stories260K.gguf --data .gpu_small/tinystories_val_first1000_eot.txt \
      --docs 201-280 --seq-len 64 --window 16 --feature-dim 8 --transfer-steps 4 --lora-steps 4 --batch 4 \
      --eval-every 2 --lora-lr 1e-3 --device cuda --json "$@"
  }
  rc=0; lin --out "$out/one" > "$out/one.json" 2> "$out/one.err" || rc=$?
  echo "linearize, 1 process on cuda: rc=$rc"; tail -3 "$out/one.err"
  # Resume on the GPU: stop after 3 steps, rerun the same command; then block-wise mode.
  rc=0; { lin --out "$out/resumed" --stop-after 3 && lin --out "$out/resumed"; } > "$out/resumed.json" 2> "$out/resumed.err" || rc=$?
  echo "linearize, interrupted after 3 steps and rerun: rc=$rc"
  for f in attention.safetensors lora/adapter_model.safetensors; do
    cmp -s "$out/one/$f" "$out/resumed/$f" && echo "  $f: bit-identical to the uninterrupted run" \
      || echo "  $f: differs from the uninterrupted run"
  done
  rc=0; lin --out "$out/blockwise" --blockwise > "$out/blockwise.json" 2> "$out/blockwise.err" || rc=$?
  echo "linearize --blockwise on cuda: rc=$rc; left in OUT: $(ls "$out/blockwise" | tr '\n' ' ')"; tail -2 "$out/blockwise.err"
  # Data parallel over NCCL (needs 2 GPUs; refused with 1): compared with the 1-process run.
  rc=0; lin --out "$out/two" --nproc 2 > "$out/two.log" 2>&1 || rc=$?
  echo "linearize --nproc 2 on $(nvidia-smi -L | wc -l) GPU(s): rc=$rc (a refusal is expected with 1 GPU)"; tail -3 "$out/two.log"
  if [[ $rc == 0 ]]; then
    for f in attention.safetensors lora/adapter_model.safetensors; do
      python3 scripts/compare_safetensors.py "$out/one/$f" "$out/two/$f" | tail -1 | sed "s|^|  $f, 2 vs 1 process: |"
    done
  fi
  rm -rf "$out/one" "$out/resumed" "$out/blockwise" "$out/two"  # the device tool returns a limited number of files
  exit 0
fi

[[ $mode == run ]] || { echo "unknown mode $mode" >&2; exit 2; }
model=$stash/smollm2.gguf
cat $stash/a .gpu_model_b/part > $model
[[ $(sha256sum $model | cut -d' ' -f1) == $(cat .gpu_model_b/sha256) ]] || { echo "model sha256 mismatch" >&2; exit 1; }
exec bash scripts/gpu_lm_experiments.sh $build/subq_lm $model .gpu_data "$out"
