"""Times loading a TSV lexicon into medspaCy 1.3.1's target matcher (TargetRule per term).

    python load_medspacy_lexicon.py LEXICON.tsv
"""
import json
import sys
import time

import spacy
from medspacy.target_matcher import TargetRule


def main():
    t0 = time.perf_counter()
    nlp = spacy.blank("en")
    matcher = nlp.add_pipe("medspacy_target_matcher")
    rules = [TargetRule(t, label) for t, _c, label in (l.rstrip("\n").split("\t") for l in open(sys.argv[1]))]
    matcher.add(rules)
    doc = nlp("Essential hypertension and type 2 diabetes mellitus without complications.")
    dt = time.perf_counter() - t0
    print(json.dumps({"tool": "medspacy-1.3.1", "terms": len(rules), "load_s": dt, "ents": [e.text for e in doc.ents]}))


if __name__ == "__main__":
    main()
