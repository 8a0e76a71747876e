#!/usr/bin/env bash
# Random survival forest, mlhc vs scikit-survival 0.23.1, on seeded synthetic data (gen.py).
#   bench/survival/bench_rsf.sh [N_TRAIN] [TREES] [MIN_SAMPLES_LEAF] [THREADS] [MLHC_REPEATS]
#   (default 50000 25 15 2 3). Set NO_BUILD=1 to use the existing target/release/mlhc.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-50000}; trees=${2:-25}; leaf=${3:-15}; threads=${4:-2}; repeats=${5:-3}
venv=bench/.venv-survival
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "lifelines==0.30.3" "scikit-survival==0.23.1" "numpy==2.1.3" "pyarrow==18.1.0"
fi
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p mlhc-cli
out=bench/out/survival-rsf-$n
mkdir -p "$out"
"$venv/bin/python" bench/survival/gen.py $((n + 10000)) 10 "$out/data.parquet"
"$venv/bin/python" bench/survival/rsf_compare.py target/release/mlhc "$out/data.parquet" "$n" "$trees" "$leaf" "$out" "$threads" "$repeats"
