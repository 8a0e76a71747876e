"""mlhc's approximate lookup vs QuickUMLS's SimString database on the same terms and queries.

QuickUMLS finds approximate candidates by asking a SimString database (quickumls_simstring, written
as QuickUMLS writes it: character 3-grams, no begin/end marks, Unicode) for every term whose
similarity to a text span reaches the threshold. `mlhc nlp lookup` answers the same question from
mlhc's inverted 3-gram index. This script gives both the same lexicon and the same span strings and
compares the sets of terms returned for every query, for each similarity measure.

Every difference is classified against an exact computation here (3-gram multisets with
collections.Counter, independent of both tools): a term only mlhc returns must be exactly at the
threshold (SimString rounds the least overlap a size needs in floating point, so 24/30 = 0.8 can
miss a Dice threshold of 0.8), and a term only SimString returns must be below the threshold with a
repeated 3-gram in the query or the term (SimString's Unicode mode, which QuickUMLS uses, counts a
repeated query 3-gram more than once). Any other difference, and any mlhc similarity that is not the
exact one, fails the script.

Terms are kept only when they are already in normal form (lower-case words of letters and digits
separated by single spaces), so neither tool's normalization can make a difference; queries are
every 1-5 word span of the first notes, lower-cased the same way.

    python simstring_compare.py LEXICON.tsv NOTES_DIR N_NOTES MLHC OUT_DIR
"""

import json
import math
import os
import re
import subprocess
import sys
import time

from quickumls_simstring import simstring

WORD = re.compile(r"[a-z0-9]+")
NORMAL = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")


def grams(s):
    out, seen = [], {}
    for i in range(len(s) - 2):
        g = s[i:i + 3]
        out.append((g, seen.get(g, 0)))
        seen[g] = seen.get(g, 0) + 1
    return out


def exact(measure, q, t):
    a, b = grams(q), grams(t)
    c = len(set(a) & set(b))
    x, y = len(a), len(b)
    return {
        "jaccard": c / (x + y - c),
        "dice": 2 * c / (x + y),
        "cosine": c / math.sqrt(x * y),
        "overlap": c / min(x, y),
    }[measure]


def repeated(s):
    g = [s[i:i + 3] for i in range(len(s) - 2)]
    return len(g) != len(set(g))


def main():
    lexicon, notes_dir, n_notes, mlhc, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    os.makedirs(out, exist_ok=True)
    terms = {}
    with open(lexicon, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            term = parts[0].lower()
            if NORMAL.match(term) and term not in terms:
                terms[term] = parts[1]
    tsv = os.path.join(out, "lexicon_normal.tsv")
    with open(tsv, "w", encoding="utf-8") as f:
        for term, code in terms.items():
            f.write(f"{term}\t{code}\tPROBLEM\n")

    t0 = time.perf_counter()
    db_path = os.path.join(out, "terms.simstring")
    db = simstring.writer(db_path, 3, False, True)
    for term in terms:
        db.insert(term)
    db.close()
    build_s = time.perf_counter() - t0

    queries = []
    seen = set()
    for name in sorted(os.listdir(notes_dir))[:n_notes]:
        with open(os.path.join(notes_dir, name), encoding="utf-8") as f:
            for line in f.read().lower().splitlines():
                words = WORD.findall(line)
                for i in range(len(words)):
                    for j in range(i + 1, min(i + 5, len(words)) + 1):
                        q = " ".join(words[i:j])
                        if len(q) >= 3 and q not in seen:
                            seen.add(q)
                            queries.append(q)
    qfile = os.path.join(out, "queries.txt")
    with open(qfile, "w", encoding="utf-8") as f:
        f.write("\n".join(queries) + "\n")
    print(f"lexicon: {len(terms)} terms in normal form (SimString database built in {build_s:.2f} s); "
          f"{len(queries)} distinct spans of 1-5 words from {n_notes} notes")

    all_agree = True
    for measure, threshold in [("jaccard", 0.7), ("jaccard", 0.5), ("dice", 0.8), ("cosine", 0.7), ("overlap", 0.9)]:
        reader = simstring.reader(db_path)
        reader.measure = getattr(simstring, measure)
        reader.threshold = threshold
        t0 = time.perf_counter()
        want = [set(reader.retrieve(q)) for q in queries]
        py_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with open(qfile, "rb") as qf:
            res = subprocess.run(
                [mlhc, "nlp", "lookup", "-", "--lexicon", tsv, "--threshold", str(threshold),
                 "--similarity", measure, "--json"],
                stdin=qf, capture_output=True, check=True,
            )
        rs_s = time.perf_counter() - t0
        got = {}
        for line in res.stdout.decode().splitlines():
            o = json.loads(line)
            got[o["phrase"]] = {h["term"]: h["similarity"] for h in o["hits"]}
        same = at_threshold = over_count = unexplained = wrong_sim = 0
        for q, w in zip(queries, want):
            g = got.get(q, {})
            wrong_sim += sum(1 for t, sim in g.items() if abs(sim - exact(measure, q, t)) > 1e-12)
            if set(g) == w:
                same += 1
                continue
            for t in set(g) - w:
                if abs(exact(measure, q, t) - threshold) < 1e-9:
                    at_threshold += 1
                else:
                    unexplained += 1
                    print(f"  unexplained: only mlhc {q!r} -> {t!r}")
            for t in w - set(g):
                if exact(measure, q, t) < threshold - 1e-12 and (repeated(q) or repeated(t)):
                    over_count += 1
                else:
                    unexplained += 1
                    print(f"  unexplained: only SimString {q!r} -> {t!r}")
        hits = sum(len(w) for w in want)
        print(f"{measure} {threshold}: {same}/{len(queries)} queries return the same terms "
              f"({hits} hits in SimString); differences: {at_threshold} exactly at the threshold (only mlhc), "
              f"{over_count} repeated-3-gram over-counts (only SimString), {unexplained} unexplained; "
              f"mlhc similarities off the exact value: {wrong_sim}; "
              f"SimString retrieve {py_s:.2f} s, mlhc lookup process {rs_s:.2f} s")
        all_agree &= unexplained == 0 and wrong_sim == 0
    sys.exit(0 if all_agree else 1)


if __name__ == "__main__":
    main()
