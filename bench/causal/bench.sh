#!/usr/bin/env bash
# mlhc vs EconML 0.17.0: AIPW / DR-learner with linear nuisances on both sides, on synthetic rows × 20
# covariates (confounded, linear propensity and outcome, CATE 2 + 0.5·x1, so the ATE is 2).
#
#   bench/causal/bench.sh [ROWS] [REPEATS] [linear|gbdt]   (default 200000 rows, 3 repeats, linear
#   nuisances; gbdt: boosted trees on both sides, LightGBM in EconML)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200000}
reps=${2:-3}
nuisances=${3:-linear}
venv=bench/.venv-causal
if [ ! -x "$venv/bin/python" ]; then
  python3.11 -m venv "$venv"
  "$venv/bin/pip" install -q "econml==0.17.0" "scikit-learn==1.9.1" "numpy==2.4.6" "pandas==3.1.1" "statsmodels==0.15.0"
fi
cargo build --release -q -p mlhc-cli
mlhc=target/release/mlhc
mkdir -p bench/out
"$venv/bin/python" bench/causal/compare.py "$mlhc" "$n" "$reps" "bench/out/causal-$n.csv" "$nuisances"
