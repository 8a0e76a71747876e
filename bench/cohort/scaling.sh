#!/usr/bin/env bash
# mlhc cohort's scaling on `mlhc synth` datasets (seed 1) with the 50-lab-predicate task: wall time and
# peak RSS per size. es-aces is not run here (see bench.sh).
#
#   bench/cohort/scaling.sh [SUBJECTS...]    # default: 10000 100000 1000000
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --release -p mlhc-cli
MLHC=target/release/mlhc
sizes=("$@")
if ((${#sizes[@]} == 0)); then sizes=(10000 100000 1000000); fi
printf '%10s %12s %9s %14s %12s\n' subjects events seconds "peak RSS MiB" "M events/s"
for n in "${sizes[@]}"; do
  data=bench/out/synth-$n
  [[ -d $data/data ]] || "$MLHC" synth --subjects "$n" --seed 1 "$data" >/dev/null
  events=$("$MLHC" meds inspect "$data" --json --top 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  /usr/bin/time -f "%e %M" -o /tmp/mlhc-scaling.time "$MLHC" cohort --config bench/cohort/many_labs.yaml "$data" \
    -o "bench/out/cohort-scaling-$n.parquet" >/dev/null
  read -r s kb </tmp/mlhc-scaling.time
  printf '%10d %12d %9.2f %14.0f %12.1f\n' "$n" "$events" "$s" "$(echo "$kb / 1024" | bc -l)" \
    "$(echo "$events / $s / 1000000" | bc -l)"
done
