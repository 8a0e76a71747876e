#!/usr/bin/env bash
# mlhc cohort vs es-aces 0.7.3 on a large `mlhc synth` dataset with a task of 50 per-code lab predicates
# with value ranges (many_labs.yaml). Prints wall time and peak RSS of each, their ratios, and checks
# that the labels are equal row for row.
#
#   bench/cohort/bench.sh [SUBJECTS] [ACES_MODE]   # default 100000 subjects (~37M events), seed 1
#
# Both read the same Parquet files, mlhc with its default thread pool (release build). ACES_MODE:
#   sharded (default): es-aces runs once per shard, one after another (`data=sharded data.shard=<shard>`,
#            as ACES documents for large data); time = the sum, peak RSS = the largest shard's.
#   whole:   es-aces runs once over data/ (`data.path=<dataset>/data`, as bench/cohort/compare_aces.sh).
#            Needs about 230 MB per 1,000 subjects here: at 100,000 subjects it was killed by the OOM
#            killer at 22.8 GiB on a 23 GiB machine, so use it for smaller datasets.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
N=${1:-100000}
MODE=${2:-sharded}
VENV=bench/.venv-aces
if [[ ! -x $VENV/bin/aces-cli ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "es-aces==0.7.3"
fi
cargo build -q --release -p mlhc-cli
MLHC=$ROOT/target/release/mlhc
DATA=bench/out/synth-$N
if [[ ! -d $DATA/data ]]; then
  "$MLHC" synth --subjects "$N" --seed 1 "$DATA"
fi
OUT=bench/out/cohort-bench-$N
rm -rf "$OUT"
mkdir -p "$OUT"
TASK=bench/cohort/many_labs.yaml
cp "$TASK" "$OUT/task.yaml"

measure() { # label, command...: prints "<seconds> <peak RSS KiB>"
  local log=$OUT/$1.time
  shift
  /usr/bin/time -f "%e %M" -o "$log" "$@" >"$log.out" 2>&1 || { cat "$log.out"; exit 1; }
  cat "$log"
}

mkdir -p "$OUT/aces"
if [[ $MODE == whole ]]; then
  read -r aces_s aces_kb < <(measure aces "$VENV/bin/aces-cli" data.standard=meds "data.path=$ROOT/$DATA/data" \
    "cohort_dir=$ROOT/$OUT" cohort_name=task "config_path=$ROOT/$OUT/task.yaml" \
    "output_filepath=$ROOT/$OUT/aces/part-0.parquet" "window_stats_dir=$ROOT/$OUT/stats" \
    "hydra.run.dir=$ROOT/$OUT/.hydra-run")
  mv "$OUT/stats/task.parquet" "$OUT/aces/stats-0.parquet"
else
  aces_s=0
  aces_kb=0
  k=0
  for f in "$DATA"/data/*/*.parquet; do
    shard=${f#"$DATA"/data/}
    shard=${shard%.parquet}
    read -r s kb < <(measure "aces-$k" "$VENV/bin/aces-cli" data=sharded data.standard=meds \
      "data.root=$ROOT/$DATA/data" "data.shard=$shard" \
      "cohort_dir=$ROOT/$OUT" cohort_name=task "config_path=$ROOT/$OUT/task.yaml" \
      "output_filepath=$ROOT/$OUT/aces/part-$k.parquet" "window_stats_dir=$ROOT/$OUT/stats-$k" \
      "hydra.run.dir=$ROOT/$OUT/.hydra-run-$k")
    mv "$OUT/stats-$k/task/$shard.parquet" "$OUT/aces/stats-$k.parquet"
    aces_s=$(echo "$aces_s + $s" | bc -l)
    if ((kb > aces_kb)); then aces_kb=$kb; fi
    k=$((k + 1))
  done
fi
# One es-aces label file (and window-stats file) for the comparison.
"$VENV/bin/python" - "$OUT/aces" <<'PY'
import sys
from pathlib import Path
import polars as pl
d = Path(sys.argv[1])
n = len(list(d.glob("part-*.parquet")))
pl.concat([pl.read_parquet(d / f"part-{k}.parquet") for k in range(n)]).write_parquet(d / "aces.parquet")
stats = [pl.read_parquet(d / f"stats-{k}.parquet").select("trigger") for k in range(n)]
pl.concat(stats).write_parquet(d / "aces_stats.parquet")
PY
read -r mlhc_s mlhc_kb < <(measure mlhc "$MLHC" cohort --config "$TASK" "$DATA" -o "$OUT/aces/mlhc.parquet")

events=$("$MLHC" meds inspect "$DATA" --json | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["events"])')
echo "dataset: $DATA ($N subjects, $events events), task: $TASK (50 lab predicates), $(nproc) cores, es-aces mode: $MODE"
printf '%-8s %10s %14s\n' tool seconds "peak RSS MiB"
printf '%-8s %10.2f %14.0f\n' es-aces "$aces_s" "$(echo "$aces_kb / 1024" | bc -l)"
printf '%-8s %10.2f %14.0f\n' mlhc "$mlhc_s" "$(echo "$mlhc_kb / 1024" | bc -l)"
printf 'mlhc is %.1fx faster and uses %.1fx less peak memory\n' \
  "$(echo "$aces_s / $mlhc_s" | bc -l)" "$(echo "$aces_kb / $mlhc_kb" | bc -l)"
printf 'aces\t-\t-\t-\n' > "$OUT/tasks.tsv"
"$VENV/bin/python" bench/cohort/compare.py "$OUT" "$OUT/tasks.tsv"
