#!/usr/bin/env bash
# mlhc QRS detectors vs NeuroKit2 (ecg_clean + ecg_peaks, methods neurokit and pantompkins1985) and
# wfdb-python's xqrs_detect on the same input: MIT-BIH record 100 lead MLII (650,000 samples) and a
# seeded synthetic 24 h ECG at 360 Hz (31.1M samples, known beats). Each detector's time is measured
# inside its own process around detection only (no interpreter start, imports or file reading);
# Se/PPV are scored by `mlhc signal score` (150 ms window, beats only) for every tool alike.
#
#   bench/signals/bench.sh            record 100 and the 24 h record (xqrs on record 100 only)
#   XQRS_24H=1 bench/signals/bench.sh also runs xqrs on the 24 h record (minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=bench/.venv-signals
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "neurokit2==0.2.12" "wfdb==4.3.0" "numpy==1.26.4" "scipy==1.13.1" "pandas==2.2.3"
fi
cargo build --release -q -p mlhc-cli
cargo build --release -q -p mlhc-signal --example qrs_speed
out=bench/out/signals
mkdir -p "$out"
cp testdata/physio/100.hea testdata/physio/100.dat testdata/physio/100.atr "$out/"
if [ ! -f "$out/synth24h.atr" ]; then
  "$venv/bin/python" bench/signals/make_synth.py "$out/synth24h" 86400
fi
"$venv/bin/python" bench/signals/compare.py target/release/mlhc "$out" target/release/examples/qrs_speed
