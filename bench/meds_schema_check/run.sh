#!/usr/bin/env bash
# bench/meds_schema_check: write a dataset with `mlhc synth` and validate it with the Python `meds`
# package's schemas (see check.py). Never run by the test suite.
#
# Usage: bench/meds_schema_check/run.sh [DATASET_DIR]   (default: a fresh 2000-subject synth dataset)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/bench/.venv-meds"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

if [ $# -ge 1 ]; then
  data=$1
else
  (cd "$root" && cargo build --release --quiet -p mlhc-cli)
  data="$root/bench/out/schema-check-synth"
  rm -rf "$data"
  mkdir -p "$root/bench/out"
  "$root/target/release/mlhc" synth --subjects 2000 --seed 1 --subjects-per-shard 500 "$data"
fi
"$venv/bin/python" "$here/check.py" "$data"
