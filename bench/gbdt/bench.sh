#!/usr/bin/env bash
# Gradient-boosted trees: mlhc vs LightGBM vs XGBoost on the same seeded npz data, same
# hyperparameters (100 trees, 31 leaves, η 0.1, min_data_in_leaf 20, 255 bins), 2 threads.
# Usage: bench/gbdt/bench.sh [ROWS|support2 ...]   (default support2 100000 1000000)
# `support2` is SUPPORT2 in-hospital death (support2.py, 70/30 split, seed 0); a number is that many
# training rows of the seeded synthetic problem (gen.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=bench/.venv-gbdt
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q lightgbm==4.6.0 xgboost==3.0.2 numpy scipy
fi
cargo build --release -q -p mlhc-learn --example gbdt_bench
TREES=100 LEAVES=31 THREADS=2
SUPPORT2=${SUPPORT2:-../shared/data/support2-mlhc/support2.csv.gz}
for ROWS in ${@:-support2 100000 1000000}; do
  DIR=bench/out/gbdt/$ROWS
  mkdir -p "$DIR"
  if [ "$ROWS" = support2 ]; then
    "$VENV/bin/python" bench/gbdt/support2.py "$SUPPORT2" "$DIR" 0
  else
    "$VENV/bin/python" bench/gbdt/gen.py "$DIR" "$ROWS" 42
  fi
  MLHC=$(target/release/examples/gbdt_bench "$DIR" $TREES $LEAVES $THREADS)
  echo "== $ROWS training rows; mlhc: $MLHC"
  "$VENV/bin/python" bench/gbdt/compare.py "$DIR" $TREES $LEAVES $THREADS "$MLHC"
done
