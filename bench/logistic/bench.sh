#!/usr/bin/env bash
# mlhc vs scikit-learn penalized logistic regression on the same sparse features (an `mlhc synth`
# cohort, MEDS-DEV 30-day readmission labels, `mlhc tabularize` features), along the same C path.
# Both solve the same standardized problem (mlhc standardizes internally; scikit-learn gets the
# standardized dense matrix); coefficients are compared in standardized units.
#
#   bench/logistic/bench.sh [SUBJECTS]        (default 20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20000}
venv=bench/.venv-logistic
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "scikit-learn==1.5.2" "scipy==1.14.1" "numpy==2.1.3"
fi
cargo build --release -q -p mlhc-cli
mlhc=target/release/mlhc
out=bench/out/logistic-$n
if [ ! -d "$out/features" ]; then
  rm -rf "$out"; mkdir -p "$out"
  $mlhc synth --subjects "$n" --seed 1 "$out/meds" > /dev/null
  $mlhc cohort --config testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml \
    --predicates testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml "$out/meds" -o "$out/labels.parquet"
  $mlhc tabularize "$out/meds" --labels "$out/labels.parquet" -o "$out/features"
fi
"$venv/bin/python" bench/logistic/compare.py "$mlhc" "$out"
