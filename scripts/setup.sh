#!/usr/bin/env bash
# README command 1: install everything, build, fetch the default model, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/build.sh
MODEL=$(scripts/fetch_default_model.sh)
scripts/main_job.sh "$MODEL"
