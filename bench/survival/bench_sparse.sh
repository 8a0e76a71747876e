#!/usr/bin/env bash
# mlhc's sparse coordinate-descent Cox vs scikit-survival 0.23.1 CoxnetSurvivalAnalysis on a seeded
# 100k-row x 10k-column sparse problem (gen_sparse.py; alpha 0.01, l1_ratio 0.9, Breslow ties, columns
# standardized by their sample sd). Coxnet takes a dense array (100k x 10k float64 = 8 GB, about 4x that
# at peak), so it runs on the first COLS columns (default 2500); mlhc runs on the same columns (compared)
# and on all 10k. Prints wall time and peak memory, and the largest coefficient difference.
#
#   bench/survival/bench_sparse.sh [COLS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cols=${1:-2500}
venv=bench/.venv-survival
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "lifelines==0.30.3" "scikit-survival==0.23.1" "numpy==2.1.3" "pyarrow==18.1.0"
fi
cargo build --release -q -p mlhc-surv --example coxnet_bench
out=bench/out/survival
d=$out/sparse_100k_10k
[ -f "$d/p.txt" ] || "$venv/bin/python" bench/survival/gen_sparse.py 100000 10000 "$d"
bin=target/release/examples/coxnet_bench
measure() { /usr/bin/time -f "%e s, peak %M KB" "$@" 2>"$out/time.txt"; }
measure $bin "$d" 0.01 0.9 > "$out/mlhc_10k.json"; echo "mlhc 100k x 10000: $(tail -1 $out/time.txt)"
measure $bin "$d" 0.01 0.9 "$cols" > "$out/mlhc_cols.json"; echo "mlhc 100k x $cols: $(tail -1 $out/time.txt)"
measure "$venv/bin/python" bench/survival/coxnet_sparse.py "$d" 0.01 0.9 "$cols" > "$out/sksurv_cols.json"
echo "scikit-survival 100k x $cols: $(tail -1 $out/time.txt)"
"$venv/bin/python" - "$out" <<'PY'
import json, sys
o = sys.argv[1]
a, b = json.load(open(f"{o}/mlhc_cols.json")), json.load(open(f"{o}/sksurv_cols.json"))
same = [x == 0 for x in a["coef"]] == [y == 0 for y in b["coef"]]
print(f"fit: mlhc {a['fit_s']:.2f} s, scikit-survival {b['fit_s']:.2f} s ({b['fit_s'] / a['fit_s']:.0f}x); "
      f"non-zero {a['n_nonzero']} vs {b['n_nonzero']}, same zeros {same}, "
      f"max |coef diff| {max(abs(x - y) for x, y in zip(a['coef'], b['coef'])):.2e}")
PY
