#!/usr/bin/env bash
# The main job on the default model (a generation demo until `subq linearize` lands).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="$1"
build/bin/subq info "$MODEL"
build/bin/subq generate --model "$MODEL" --prompt "The capital of France is" --max-tokens 32 --greedy
