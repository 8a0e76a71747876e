#!/usr/bin/env bash
# End-to-end benchmark: mlhc tabularize vs meds-tab 0.2.0 (describe + tabularize + task caching) on
# the same `mlhc synth` dataset, labels, windows and aggregations, windows anchored at the last event;
# then mlhc's scaling over larger synthetic datasets. Release build; wall time and peak RSS from
# /usr/bin/time -v. Never run by the tests.
#
#   bench/tabularize/bench.sh                       # 1,000 subjects vs meds-tab, then 10k, 100k
#   SCALE="10000 100000 1000000" bench/tabularize/bench.sh
#   MEDSTAB=0 bench/tabularize/bench.sh             # mlhc only
#
# meds-tab is timed in both of its ways to tabularize for a task:
#   full+cache: describe, tabularize-static, tabularize-time-series (every event), cache-task
#   labels:     describe, tabularize-static, tabularize-time-series with input_label_dir
# Its wall time is the sum of its steps (each a separate process), its peak RSS the largest step's.
# mlhc: the median of 3 runs (wall) and the largest peak RSS of the 3. Results: bench/out/tab-bench/.
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
AGGS=static/present,static/first,code/count,value/count,value/sum,value/sum_sqd,value/min,value/max
MIN=10
TS_AGGS="[code/count,value/count,value/sum,value/sum_sqd,value/min,value/max]"
COMMON=("tabularization.min_code_inclusion_count=$MIN" "tabularization.window_sizes=[$WINDOWS]")
OUT=$ROOT/bench/out/tab-bench
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
echo -e "what\tsubjects\tevents\tlabel_rows\tstep\twall_s\tpeak_rss_mb" >"$RESULTS"

# measure LOG CMD... -> prints "WALL_S RSS_MB" (from /usr/bin/time -v); fails if CMD fails.
measure() {
  local log=$1; shift
  if ! /usr/bin/time -v "$@" >"$log" 2>&1; then echo "failed: $* (see $log)" >&2; exit 1; fi
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
              /Maximum resident set size/ { r = $2 / 1024 }
              END { printf "%.3f %.1f\n", s, r }' "$log"
}

dataset() { # SUBJECTS -> dataset dir with labels/ (generated once)
  local n=$1 d=$ROOT/bench/out/synth-$1-seed1
  [[ -d $d/data ]] || "$MLHC" synth --subjects "$n" --seed 1 "$d" >/dev/null
  [[ -f $d.labels/labels.parquet ]] || "$PY" bench/tabularize/make_labels.py "$d" "$d.labels" >/dev/null
  echo "$d"
}

events_of() { "$MLHC" meds inspect "$1" | awk '$1 == "events" { print $2 }'; }
rows_of() { "$PY" -c "import polars as pl,sys; print(pl.read_parquet(sys.argv[1]).height)" "$1"; }

mlhc_runs() { # SUBJECTS RUNS
  local n=$1 runs=$2 d; d=$(dataset "$n")
  local ev rows walls=() rss=0 w r
  ev=$(events_of "$d"); rows=$(rows_of "$d.labels/labels.parquet")
  for i in $(seq "$runs"); do
    rm -rf "$OUT/mlhc-$n"
    read -r w r < <(measure "$OUT/mlhc-$n.$i.log" "$MLHC" tabularize "$d" --labels "$d.labels/labels.parquet" \
      -o "$OUT/mlhc-$n" --windows "$WINDOWS" --aggs "$AGGS" --min-code-count "$MIN" --anchor last-event)
    walls+=("$w"); rss=$(awk -v a="$rss" -v b="$r" 'BEGIN { print (b > a) ? b : a }')
  done
  w=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo -e "mlhc\t$n\t$ev\t$rows\ttabularize (median of $runs: ${walls[*]})\t$w\t$rss" >>"$RESULTS"
  echo "$w $rss"
}

medstab_run() { # SUBJECTS MODE(full|labels)
  local n=$1 mode=$2 d; d=$(dataset "$n")
  local M=$OUT/medstab-$mode-$n ev rows total=0 peak=0 w r
  ev=$(events_of "$d"); rows=$(rows_of "$d.labels/labels.parquet")
  rm -rf "$M"; mkdir -p "$M"
  local lab=() ; [[ $mode == labels ]] && lab=("input_label_dir=$d.labels/by_shard")
  step() { # NAME CMD...
    local name=$1; shift
    read -r w r < <(measure "$M/$name.log" "$@")
    echo -e "meds-tab $mode\t$n\t$ev\t$rows\t$name\t$w\t$r" >>"$RESULTS"
    total=$(awk -v a="$total" -v b="$w" 'BEGIN { print a + b }')
    peak=$(awk -v a="$peak" -v b="$r" 'BEGIN { print (b > a) ? b : a }')
  }
  step describe "$VENV/bin/meds-tab-describe" "input_dir=$d/data/train" "output_dir=$M"
  # static/first is left out: 0.2.0 raises when no static code has a value (none does in synth data).
  step static "$VENV/bin/meds-tab-tabularize-static" "input_dir=$d/data" "output_dir=$M" "${lab[@]}" \
    "${COMMON[@]}" "tabularization.aggs=[static/present]"
  step time-series "$VENV/bin/meds-tab-tabularize-time-series" "input_dir=$d/data" "output_dir=$M" "${lab[@]}" \
    "${COMMON[@]}" "tabularization.aggs=$TS_AGGS"
  if [[ $mode == full ]]; then
    step cache-task "$VENV/bin/meds-tab-cache-task" "input_dir=$d/data" "output_dir=$M" \
      "input_label_dir=$d.labels/by_shard" task_name=task "${COMMON[@]}" \
      "tabularization.aggs=[static/present,$(echo "$TS_AGGS" | tr -d '[]')]"
  fi
  echo -e "meds-tab $mode\t$n\t$ev\t$rows\ttotal\t$total\t$peak" >>"$RESULTS"
  echo "$total $peak"
}

echo "== 1,000 subjects: mlhc vs meds-tab 0.2.0"
read -r mw mr < <(mlhc_runs 1000 3)
echo "mlhc: ${mw}s, ${mr} MB peak RSS (median of 3)"
if [[ ${MEDSTAB:-1} == 1 ]]; then
  for mode in full labels; do
    read -r tw tr < <(medstab_run 1000 "$mode")
    awk -v m="$mode" -v tw="$tw" -v tr="$tr" -v mw="$mw" -v mr="$mr" 'BEGIN {
      printf "meds-tab %s: %.1fs, %.0f MB peak RSS -> mlhc is %.0fx faster, uses 1/%.1f of the memory\n",
             m, tw, tr, tw / mw, tr / mr }'
  done
fi
for n in ${SCALE:-10000 100000}; do
  runs=1; [[ $n -le 10000 ]] && runs=3
  read -r w r < <(mlhc_runs "$n" "$runs")
  echo "mlhc, $n subjects: ${w}s, ${r} MB peak RSS"
done
echo; column -t -s $'\t' "$RESULTS"
