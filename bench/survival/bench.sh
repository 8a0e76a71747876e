#!/usr/bin/env bash
# mlhc vs lifelines 0.30.3 and scikit-survival 0.23.1: Cox PH (Efron ties) on rossi, SUPPORT2 (complete
# cases, 14 design columns) and seeded synthetic problems of 100k x 50 and 1M x 50 (integer-day times).
# Checks the coefficients agree; prints wall time, peak memory and ratios.
#
#   bench/survival/bench.sh [CASE]   (CASE: a substring of the problem names, e.g. "synthetic"; default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=bench/.venv-survival
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "lifelines==0.30.3" "scikit-survival==0.23.1" "numpy==2.1.3" "pyarrow==18.1.0"
fi
cargo build --release -q -p mlhc-cli
out=bench/out/survival
mkdir -p "$out"
[ -f "$out/synth_100k_50.parquet" ] || "$venv/bin/python" bench/survival/gen.py 100000 50 "$out/synth_100k_50.parquet"
[ -f "$out/synth_1m_50.parquet" ] || "$venv/bin/python" bench/survival/gen.py 1000000 50 "$out/synth_1m_50.parquet"
"$venv/bin/python" bench/survival/compare.py target/release/mlhc "$out" "${1:-}"
