#!/usr/bin/env bash
# bench/meds_read: read one MEDS dataset (from `mlhc synth`, >= 20M events) into in-memory columns with
# mlhc, pyarrow and polars; check that they agree; print wall time (median of 3) and peak RSS of each, and
# the ratios. Never run by the test suite.
#
# Usage: bench/meds_read/run.sh            (SUBJECTS=60000 SEED=1 REPEATS=5 by default, ~22M events)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
subjects=${SUBJECTS:-60000}
seed=${SEED:-1}
repeats=${REPEATS:-5}
venv="$root/bench/.venv"
data="$root/bench/out/synth-${subjects}-seed${seed}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# Two builds: naming an example restricts a build to examples, so the mlhc binary needs its own.
(cd "$root" && cargo build --release --quiet -p mlhc-cli && cargo build --release --quiet -p mlhc-meds --example read_bench)
mlhc="$root/target/release/mlhc"
reader="$root/target/release/examples/read_bench"

if [ ! -f "$data/metadata/dataset.json" ]; then
  rm -rf "$data"
  mkdir -p "$(dirname "$data")"
  "$mlhc" synth --subjects "$subjects" --seed "$seed" --json "$data"
fi

"$venv/bin/python" "$here/bench.py" --repeats "$repeats" --mlhc-reader "$reader" \
  --json-out "$root/bench/out/meds_read.json" "$data"
