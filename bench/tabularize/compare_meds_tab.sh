#!/usr/bin/env bash
# Cell-by-cell parity of `mlhc tabularize --anchor last-event` with meds-tab 0.2.0 (PyPI), and of mlhc
# with a brute-force reference, on the MIMIC-IV demo and a 1,000-subject `mlhc synth` dataset.
#
#   bench/tabularize/compare_meds_tab.sh [DATASET...]   # mimic-demo, synth-1000 (default: both)
#   FULL=0 bench/tabularize/compare_meds_tab.sh         # skip meds-tab's slow full+cache mode
#
# For each dataset it runs (outputs under bench/out/tab-compare/<dataset>/):
#   labels/          make_labels.py: 2 prediction times per subject (MEDS label schema)
#   mlhc/            mlhc tabularize --anchor last-event
#   medstab-labels/  meds-tab task-specific run: describe, tabularize-static and
#                    tabularize-time-series with input_label_dir (one row per label)
#   medstab-full/    meds-tab full run (every event) + meds-tab-cache-task with the labels
#   medstab-fixed/   as medstab-labels, with the aggregation defects patched (medstab_patched.py)
# and prints the table of compare.py (report.json beside them).
#
# Code inclusion: meds-tab-describe counts the codes of whatever input_dir it is given (its docs use
# all of data/); to count the train split only, as mlhc does, it is run on data/train here. The
# venv bench/.venv-medstab (PyPI meds-tab==0.2.0) is created on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=$ROOT/bench/.venv-medstab
if [[ ! -x $VENV/bin/meds-tab-describe ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "meds-tab==0.2.0"
fi
[[ -x target/release/mlhc ]] || cargo build --release -p mlhc-cli
MLHC=$ROOT/target/release/mlhc
PY=$VENV/bin/python
WINDOWS=1d,7d,30d,365d,full
MIN=10
TS_AGGS="[code/count,value/count,value/sum,value/sum_sqd,value/min,value/max]"
COMMON=("tabularization.min_code_inclusion_count=$MIN" "tabularization.window_sizes=[$WINDOWS]")

dataset_dir() {
  case $1 in
    mimic-demo) echo "$ROOT/testdata/mimic-iv-demo-meds" ;;
    synth-1000)
      local d=$ROOT/bench/out/synth-1000-seed1
      [[ -d $d/data ]] || "$MLHC" synth --subjects 1000 --seed 1 "$d" >/dev/null
      echo "$d" ;;
    *) echo "unknown dataset $1" >&2; exit 2 ;;
  esac
}

# run LOGFILE CMD... : runs a step, its log (with /usr/bin/time -v) in LOGFILE; stops on failure.
run() {
  local log=$1; shift
  if ! /usr/bin/time -v "$@" >"$log" 2>&1; then echo "failed: $* (see $log)" >&2; return 1; fi
}

for ds in "${@:-mimic-demo synth-1000}"; do
 for name in $ds; do
  D=$(dataset_dir "$name")
  O=$ROOT/bench/out/tab-compare/$name
  rm -rf "$O"; mkdir -p "$O"
  echo "== $name ($D)"
  "$PY" bench/tabularize/make_labels.py "$D" "$O/labels"
  "$MLHC" tabularize "$D" --labels "$O/labels/labels.parquet" -o "$O/mlhc" --windows "$WINDOWS" \
    --min-code-count "$MIN" --anchor last-event --json >"$O/mlhc.json"
  specs=()

  # meds-tab, task-specific (labels) mode.
  M=$O/medstab-labels; mkdir -p "$M"
  run "$M/describe.log" "$VENV/bin/meds-tab-describe" "input_dir=$D/data/train" "output_dir=$M"
  cp -r "$M/metadata" "$O/described-metadata"
  run "$M/static.log" "$VENV/bin/meds-tab-tabularize-static" "input_dir=$D/data" "output_dir=$M" \
    "input_label_dir=$O/labels/by_shard" "${COMMON[@]}" "tabularization.aggs=[static/present]"
  # static/first is run on its own: 0.2.0 raises when no included static code has a value.
  if ! run "$M/static_first.log" "$VENV/bin/meds-tab-tabularize-static" "input_dir=$D/data" "output_dir=$M" \
      "input_label_dir=$O/labels/by_shard" "${COMMON[@]}" "tabularization.aggs=[static/first]" 2>/dev/null; then
    echo "  meds-tab static/first failed: $(grep -m1 -o 'ValueError: .*' "$M/static_first.log" || tail -1 "$M/static_first.log")"
  fi
  run "$M/ts.log" "$VENV/bin/meds-tab-tabularize-time-series" "input_dir=$D/data" "output_dir=$M" \
    "input_label_dir=$O/labels/by_shard" "${COMMON[@]}" "tabularization.aggs=$TS_AGGS"
  specs+=(--medstab "labels=$M:labels")

  # meds-tab with the aggregation defects patched, labels mode.
  F=$O/medstab-fixed; mkdir -p "$F"; cp -r "$O/described-metadata" "$F/metadata"
  run "$F/static.log" env PYTHONPATH="$ROOT/bench/tabularize" "$PY" bench/tabularize/medstab_patched.py static \
    "input_dir=$D/data" "output_dir=$F" "input_label_dir=$O/labels/by_shard" "${COMMON[@]}" "tabularization.aggs=[static/present]"
  run "$F/ts.log" env PYTHONPATH="$ROOT/bench/tabularize" "$PY" bench/tabularize/medstab_patched.py ts \
    "input_dir=$D/data" "output_dir=$F" "input_label_dir=$O/labels/by_shard" "${COMMON[@]}" "tabularization.aggs=$TS_AGGS"
  specs+=(--medstab "fixed=$F:labels")

  # meds-tab full mode (every event) + task caching.
  if [[ ${FULL:-1} == 1 ]]; then
    G=$O/medstab-full; mkdir -p "$G"; cp -r "$O/described-metadata" "$G/metadata"
    run "$G/static.log" "$VENV/bin/meds-tab-tabularize-static" "input_dir=$D/data" "output_dir=$G" \
      "${COMMON[@]}" "tabularization.aggs=[static/present]"
    run "$G/ts.log" "$VENV/bin/meds-tab-tabularize-time-series" "input_dir=$D/data" "output_dir=$G" \
      "${COMMON[@]}" "tabularization.aggs=$TS_AGGS"
    run "$G/cache.log" "$VENV/bin/meds-tab-cache-task" "input_dir=$D/data" "output_dir=$G" \
      "input_label_dir=$O/labels/by_shard" task_name=task "${COMMON[@]}" \
      "tabularization.aggs=[static/present,$(echo "$TS_AGGS" | tr -d '[]')]"
    specs+=(--medstab "full+cache=$G:cache")
  fi

  "$PY" bench/tabularize/compare.py --name "$name" --meds "$D" --labels "$O/labels" --mlhc "$O/mlhc" \
    "${specs[@]}" --windows "$WINDOWS" --min-count "$MIN" --json "$O/report.json"
 done
done
