#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with small seeds from testdata/ (the test records themselves).
set -euo pipefail
cd "$(dirname "$0")"
t=../testdata/physio
mkdir -p corpus/{wfdb_header,wfdb_signal,wfdb_record,wfdb_annotations,edf}
for h in "$t"/*.hea "$t"/flac/*.hea "$t"/multi-segment/*/*.hea; do cp "$h" corpus/wfdb_header/; done
# Signal seeds: format index byte (see CODES in wfdb_signal.rs) + the first 2 kB of a file.
seed() { { printf "\\x$(printf %02x "$1")"; head -c 2048 "$2"; } > "corpus/wfdb_signal/$3"; }
seed 7 "$t/100.dat" f212
seed 1 "$t/test01_00s.dat" f16
seed 5 "$t/3000003_0003.dat" f80
{ printf '\x0a\x01\x01'; cat "$t/flac/flacformats.d0"; } > corpus/wfdb_signal/f508
{ printf '\x0b\x01\x01'; cat "$t/flac/flacformats.d1"; } > corpus/wfdb_signal/f516
{ printf '\x0c\x01\x01'; cat "$t/flac/flacformats.d2"; } > corpus/wfdb_signal/f524
{ printf '\x0b\x03\x04'; head -c 4096 "$t/flac/mixedsignals_e.dat"; } > corpus/wfdb_signal/f516x4
# Record seeds: header, NUL, signal file.
{ printf 'r 1 200 499\nr.d 508 200 8 0 -127 -484 0 x\n\0'; cat "$t/flac/flacformats.d0"; } > corpus/wfdb_record/flac
{ printf 'r 2 360 600\nr.d 212 200 11 1024 995 0 0 a\nr.d 212 200 11 1024 1011 0 0 b\n\0'; head -c 1800 "$t/100.dat"; } > corpus/wfdb_record/f212
{ printf 'r 3 100 5\nr.d 212x2+7 100 12 0 0 0 0 a\nr.d 212:2 100 12 0 0 0 0 b\nr.d 212 100 12 0 0 0 0 c\n\0'; head -c 64 "$t/100.dat"; } > corpus/wfdb_record/skew
for a in "$t"/*.atr "$t"/*.qrs "$t"/*.wqrs "$t"/*.ann; do head -c 4096 "$a" > "corpus/wfdb_annotations/$(basename "$a")"; done
for e in "$t"/edf/*.edf "$t"/edf/*.bdf; do head -c 65536 "$e" > "corpus/edf/$(basename "$e")"; done
# mlhc-nlp: the embedded rule files and small lexicons as rule seeds, notes as text seeds.
n=../crates/mlhc-nlp/data
mkdir -p corpus/nlp_rules corpus/nlp_text
for f in "$n"/context_rules.json "$n"/section_patterns.json "$n"/mlhc_negation_additions.json \
  "$n"/negex_triggers.txt "$n"/context_history_triggers.txt ../testdata/clinical-nlp/medspacy_targets.tsv; do
  cp "$f" corpus/nlp_rules/
done
for f in ../testdata/clinical-nlp/{example_discharge_summary_SYNTHETIC.txt,medspacy_sentences.txt,id.text}; do head -c 8192 "$f" > "corpus/nlp_text/$(basename "$f")"; done
