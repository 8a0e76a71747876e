"""Compares mlhc's and medspaCy's annotations note by note.

    python compare.py MLHC.jsonl MEDSPACY.jsonl
A target agrees when both tools report the same character span; it agrees fully when the ConText
modifier categories and the section category are also the same. mlhc reports byte offsets; the
synthetic notes are ASCII, so bytes and characters coincide.
"""
import json
import sys
from collections import Counter


def load(path, mlhc):
    out = {}
    for line in open(path):
        d = json.loads(line)
        name = d["file"].rsplit("/", 1)[-1]
        if mlhc:
            ts = {(t["start"], t["end"]): (sorted({m["category"] for m in t["modifiers"]}), t["section"]) for t in d["targets"]}
        else:
            ts = {(s, e): (mods, sec) for s, e, mods, sec in d["targets"]}
        out[name] = ts
    return out


def main():
    a, b = load(sys.argv[1], True), load(sys.argv[2], False)
    common = sorted(set(a) & set(b))
    spans = full = only_a = only_b = 0
    diffs = Counter()
    examples = []
    for n in common:
        for span in set(a[n]) | set(b[n]):
            if span not in b[n]:
                only_a += 1
            elif span not in a[n]:
                only_b += 1
            else:
                spans += 1
                if a[n][span] == b[n][span]:
                    full += 1
                else:
                    diffs[(tuple(a[n][span][0]), a[n][span][1], tuple(b[n][span][0]), b[n][span][1])] += 1
                    if len(examples) < 5:
                        examples.append((n, span, a[n][span], b[n][span]))
    total = spans + only_a + only_b
    print(json.dumps({"notes": len(common), "targets_same_span": spans, "only_mlhc": only_a, "only_medspacy": only_b,
                      "same_modifiers_and_section": full, "agreement": full / max(total, 1)}))
    for k, v in diffs.most_common(5):
        print(f"  {v} x mlhc {k[0]} {k[1]} | medspaCy {k[2]} {k[3]}")
    for e in examples:
        print("  e.g.", e)


if __name__ == "__main__":
    main()
