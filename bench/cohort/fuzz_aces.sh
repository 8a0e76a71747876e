#!/usr/bin/env bash
# Differential test: N random task configs (random_configs.py, seeded) on the ACES sample data, es-aces
# 0.7.3 vs mlhc, row for row.
#
#   bench/cohort/fuzz_aces.sh [N] [SEED]     # default 40 configs, seed 1
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-40}
SEED=${2:-1}
DIR=bench/out/cohort-fuzz-$SEED/configs
rm -rf "$DIR"
python3 bench/cohort/random_configs.py "$DIR" "$N" "$SEED"
exec bench/cohort/compare_aces.sh --tasks "$DIR/tasks.tsv"
