"""Computes medspaCy's ConText and sectionizer output for the sentences of
testdata/clinical-nlp/medspacy_sentences.txt and the synthetic discharge summary, and writes
testdata/clinical-nlp/medspacy_expected.json (the fixture of crates/mlhc-nlp/tests/medspacy_parity.rs).

Pinned: medspacy 1.3.1, spacy 3.7.5 (bench/nlp/bench.sh creates the venv).
    bench/.venv-nlp/bin/python bench/nlp/medspacy_reference.py
"""
import json
import sys

import medspacy
import spacy
from medspacy.target_matcher import TargetRule

ROOT = sys.argv[1] if len(sys.argv) > 1 else "testdata/clinical-nlp"


def build(sectionizer: bool):
    # One sentence per input line for the sentence set: spaCy's rule sentencizer never splits a line
    # that holds one sentence; for the sections run the sentence splitter does not matter.
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("medspacy_target_matcher")
    nlp.add_pipe("medspacy_context")
    if sectionizer:
        nlp.add_pipe("medspacy_sectionizer")
    return nlp


def main():
    lines = [l.rstrip("\n") for l in open(f"{ROOT}/medspacy_sentences.txt", encoding="utf-8")]
    terms = [l.split("\t") for l in open(f"{ROOT}/medspacy_targets.tsv", encoding="utf-8") if l.strip()]
    nlp = build(False)
    matcher = nlp.get_pipe("medspacy_target_matcher")
    matcher.add([TargetRule(t, label) for t, _code, label in terms])
    out = {"medspacy": medspacy.__version__, "spacy": spacy.__version__, "sentences": [], "sections": []}
    for text in lines:
        if not text.strip() or text.startswith("#"):
            continue
        doc = nlp(text)
        ents = []
        for e in doc.ents:
            ents.append({
                "start": e.start_char,
                "end": e.end_char,
                "text": e.text,
                "modifiers": sorted(
                    [{"category": m.category, "start": doc[m.modifier_span[0]].idx,
                      "end": doc[m.modifier_span[1] - 1].idx + len(doc[m.modifier_span[1] - 1].text),
                      "text": doc[m.modifier_span[0]:m.modifier_span[1]].text}
                     for m in e._.modifiers], key=lambda d: (d["start"], d["category"])),
            })
        out["sentences"].append({"text": text, "targets": ents})
    note = open(f"{ROOT}/example_discharge_summary_SYNTHETIC.txt", encoding="utf-8").read()
    snlp = spacy.blank("en")
    snlp.add_pipe("medspacy_sectionizer")
    doc = snlp(note)
    for s in doc._.sections:
        if s.category is None:
            continue
        out["sections"].append({"category": s.category, "header_start": doc[s.title_start].idx if s.title_end > s.title_start else None,
                                "header_text": doc[s.title_start:s.title_end].text})
    json.dump(out, open(f"{ROOT}/medspacy_expected.json", "w", encoding="utf-8"), indent=1)
    print(f"{len(out['sentences'])} sentences, {len(out['sections'])} sections -> {ROOT}/medspacy_expected.json")


if __name__ == "__main__":
    main()
