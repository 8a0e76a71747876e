#!/usr/bin/env bash
# Re-runs only mlhc and compare.py on the meds-tab outputs that compare_meds_tab.sh left in
# bench/out/tab-compare/<dataset>/ (after an mlhc change; meds-tab takes minutes, mlhc a second).
#   bench/tabularize/recompare.sh [DATASET...]   # default: every dataset there
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=bench/.venv-medstab/bin/python
for O in ${@:-bench/out/tab-compare/*}; do
  [[ -d $O ]] || O=bench/out/tab-compare/$O
  name=$(basename "$O")
  case $name in mimic-demo) D=testdata/mimic-iv-demo-meds ;; synth-1000) D=bench/out/synth-1000-seed1 ;; *) continue ;; esac
  rm -rf "$O/mlhc"
  target/release/mlhc tabularize "$D" --labels "$O/labels/labels.parquet" -o "$O/mlhc" --windows 1d,7d,30d,365d,full \
    --min-code-count 10 --anchor last-event --json >"$O/mlhc.json"
  specs=()
  [[ -d $O/medstab-labels/tabularize ]] && specs+=(--medstab "labels=$O/medstab-labels:labels")
  [[ -d $O/medstab-fixed/tabularize ]] && specs+=(--medstab "fixed=$O/medstab-fixed:labels")
  [[ -d $O/medstab-full/task/task_cache ]] && specs+=(--medstab "full+cache=$O/medstab-full:cache")
  "$PY" bench/tabularize/compare.py --name "$name" --meds "$D" --labels "$O/labels" --mlhc "$O/mlhc" \
    "${specs[@]}" --json "$O/report.json"
done
