#!/usr/bin/env bash
# mlhc vs medspaCy 1.3.1 (spaCy 3.7.5): sentence splitting + target matching + ConText + sections on
# the same seeded synthetic notes (~2 KB each), with the same rules (medspaCy's English
# context_rules.json and section_patterns.json, embedded in mlhc) and the same 2,000-term lexicon;
# then the load time of a 115k-term lexicon in both.
#
#   bench/nlp/bench.sh [NOTES] [MEDSPACY_NOTES]     (default 10000 and 1000)
#
# medspaCy runs on the first MEDSPACY_NOTES notes (it needs minutes per thousand); mlhc runs on those
# and on all NOTES. Answers are compared target by target on the shared notes (compare.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
m=${2:-1000}
venv=bench/.venv-nlp
if [ ! -x "$venv/bin/python" ]; then
  python3.11 -m venv "$venv"
  "$venv/bin/pip" install -q "medspacy==1.3.1" "spacy==3.7.5"
fi
cargo build --release -q -p mlhc-cli
mlhc=target/release/mlhc
out=bench/out/nlp-$n
if [ ! -d "$out/notes" ]; then
  rm -rf "$out"; mkdir -p "$out"
  "$venv/bin/python" bench/nlp/make_notes.py "$out" "$n" 1
fi
sub=$out/notes-$m
if [ ! -d "$sub" ]; then
  mkdir -p "$sub"
  ls "$out/notes" | head -n "$m" | while read -r f; do ln -s "../notes/$f" "$sub/$f"; done
fi
[ -f "$out/big.tsv" ] || "$venv/bin/python" bench/nlp/big_lexicon.py "$out/big.tsv"

tm() { /usr/bin/time -f "  wall %e s, peak RSS %M KB" "$@"; }

echo "== medspaCy, PyRuSH sentences, $m notes"
tm "$venv/bin/python" bench/nlp/run_medspacy.py "$out/notes" "$out/lexicon.tsv" "$m" pyrush "$out/medspacy-pyrush.jsonl"
echo "== medspaCy, spaCy sentencizer, $m notes"
tm "$venv/bin/python" bench/nlp/run_medspacy.py "$out/notes" "$out/lexicon.tsv" "$m" sentencizer "$out/medspacy-sentencizer.jsonl"
for threads in 1 2; do
  echo "== mlhc, $threads thread(s), $m notes"
  tm $mlhc nlp annotate "$sub" --lexicon "$out/lexicon.tsv" --json --threads $threads > "$out/mlhc-$m.jsonl"
  echo "== mlhc, $threads thread(s), $n notes"
  tm $mlhc nlp annotate "$out/notes" --lexicon "$out/lexicon.tsv" --json --threads $threads > "$out/mlhc-$n.jsonl"
done
echo "== agreement, mlhc vs medspaCy with PyRuSH"
"$venv/bin/python" bench/nlp/compare.py "$out/mlhc-$m.jsonl" "$out/medspacy-pyrush.jsonl"
echo "== agreement, mlhc vs medspaCy with the spaCy sentencizer"
"$venv/bin/python" bench/nlp/compare.py "$out/mlhc-$m.jsonl" "$out/medspacy-sentencizer.jsonl"

echo "== lexicon load: $(wc -l < "$out/big.tsv") terms"
echo "Essential hypertension and type 2 diabetes mellitus without complications." > "$out/one.txt"
echo "-- mlhc"
tm $mlhc nlp annotate "$out/one.txt" --lexicon "$out/big.tsv" > /dev/null
echo "-- medspaCy"
tm "$venv/bin/python" bench/nlp/load_medspacy_lexicon.py "$out/big.tsv"
