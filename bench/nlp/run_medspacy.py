"""Runs medspaCy 1.3.1 (sentences + target matching + ConText + sections) over the first M notes.

    python run_medspacy.py NOTES_DIR LEXICON.tsv M {pyrush|sentencizer} OUT.jsonl
Prints notes/s for the annotation loop (models and rules loaded before the clock starts).
"""
import json
import os
import sys
import time

import medspacy
import spacy
from loguru import logger
from medspacy.target_matcher import TargetRule


def main():
    notes_dir, lexicon, m, splitter, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    # PyRuSH logs every sentence boundary at DEBUG level through loguru; a user would silence it.
    logger.remove()
    t0 = time.perf_counter()
    if splitter == "pyrush":
        nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_target_matcher", "medspacy_context"])
    else:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("medspacy_target_matcher")
        nlp.add_pipe("medspacy_context")
    nlp.add_pipe("medspacy_sectionizer")
    rules = [TargetRule(t, label) for t, _c, label in (l.rstrip("\n").split("\t") for l in open(lexicon))]
    nlp.get_pipe("medspacy_target_matcher").add(rules)
    files = sorted(os.listdir(notes_dir))[:m]
    texts = [open(os.path.join(notes_dir, f)).read() for f in files]
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with open(out, "w") as f:
        for name, doc in zip(files, nlp.pipe(texts)):
            targets = []
            for e in doc.ents:
                sec = e._.section.category if e._.section is not None else None
                mods = sorted({m.category for m in e._.modifiers})
                targets.append([e.start_char, e.end_char, mods, sec])
            f.write(json.dumps({"file": name, "targets": targets}) + "\n")
    dt = time.perf_counter() - t1
    print(json.dumps({"tool": f"medspacy-{medspacy.__version__}-{splitter}", "notes": len(texts), "load_s": load_s,
                      "annotate_s": dt, "notes_per_s": len(texts) / dt}))


if __name__ == "__main__":
    main()
