#!/usr/bin/env bash
# mlhc's approximate lookup vs the SimString database QuickUMLS queries (quickumls-simstring
# 1.1.5.post1, written as QuickUMLS 1.4 writes it) on the same 115k-term lexicon and the same span
# strings; every difference must be explained (see simstring_compare.py).
#
#   bench/nlp/simstring.sh [N_NOTES]     (default 20: about 9,600 distinct spans)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
venv=bench/.venv-simstring
if [ ! -x "$venv/bin/python" ]; then
  python3.11 -m venv "$venv"
  "$venv/bin/pip" install -q "quickumls-simstring==1.1.5.post1"
fi
out=bench/out/nlp-10000
# The notes and the 115k-term lexicon of bench.sh (standard-library generators).
mkdir -p "$out"
[ -d "$out/notes" ] || python3.11 bench/nlp/make_notes.py "$out" 10000 1
[ -f "$out/big.tsv" ] || python3.11 bench/nlp/big_lexicon.py "$out/big.tsv"
cargo build --release -q -p mlhc-cli
"$venv/bin/python" bench/nlp/simstring_compare.py "$out/big.tsv" "$out/notes" "$n" target/release/mlhc bench/out/simstring
