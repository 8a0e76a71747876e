#!/usr/bin/env bash
# Runs es-aces 0.7.3 and mlhc on every task of bench/cohort/tasks.tsv and checks that the labels are
# equal row for row; prints rows / subjects / positives for both.
#
#   bench/cohort/compare_aces.sh                    # compare
#   bench/cohort/compare_aces.sh --write-fixtures   # also refresh testdata/aces-expected/*.csv
#   bench/cohort/compare_aces.sh --synth            # the tasks of tasks_synth.tsv on a 2,000-subject
#                                                   # `mlhc synth` dataset instead (no fixtures)
#   bench/cohort/compare_aces.sh --tasks FILE       # any task list (e.g. from random_configs.py)
#
# The venv bench/.venv-aces (PyPI es-aces==0.7.3) is created on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=bench/.venv-aces
if [[ ! -x $VENV/bin/aces-cli ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "es-aces==0.7.3"
fi
cargo build -q -p mlhc-cli
MLHC=$ROOT/target/debug/mlhc
OUT=bench/out/cohort-compare
TASKS=bench/cohort/tasks.tsv
if [[ ${1:-} == --synth ]]; then
  OUT=bench/out/cohort-compare-synth
  TASKS=bench/cohort/tasks_synth.tsv
  [[ -d bench/out/synth-2000/data ]] || "$MLHC" synth --subjects 2000 --seed 1 bench/out/synth-2000
elif [[ ${1:-} == --tasks ]]; then
  TASKS=$2
  OUT=bench/out/cohort-compare-$(basename "$(dirname "$TASKS")")
fi
rm -rf "$OUT"
mkdir -p "$OUT"
while IFS=$'\t' read -r name config preds data; do
  [[ -z $name || $name == \#* ]] && continue
  d=$OUT/$name
  mkdir -p "$d"
  cp "$config" "$d/task.yaml"
  pred_arg=()
  aces_pred=null
  if [[ $preds != - ]]; then
    pred_arg=(--predicates "$preds")
    aces_pred=$ROOT/$preds
  fi
  # es-aces reads the whole dataset as one file set (data.path = the data/ folder).
  "$VENV/bin/aces-cli" data.standard=meds "data.path=$ROOT/$data/data" \
    "cohort_dir=$ROOT/$d" cohort_name=task "config_path=$ROOT/$d/task.yaml" "predicates_path=$aces_pred" \
    "output_filepath=$ROOT/$d/aces.parquet" "window_stats_dir=$ROOT/$d/stats" \
    "hydra.run.dir=$ROOT/$d/.hydra-run" >"$d/aces.log" 2>&1 || { echo "es-aces failed on $name (see $d/aces.log)"; exit 1; }
  if [[ -f $d/stats/task.parquet ]]; then mv "$d/stats/task.parquet" "$d/aces_stats.parquet"; fi
  "$MLHC" cohort --config "$config" "${pred_arg[@]}" "$data" -o "$d/mlhc.parquet" --json >"$d/mlhc.json"
done < "$TASKS"
args=()
if [[ ${1:-} == --write-fixtures ]]; then args=(--write-fixtures testdata/aces-expected); fi
"$VENV/bin/python" bench/cohort/compare.py "$OUT" "$TASKS" "${args[@]}"
