"""medspaCy 1.3.1's ConText on rules whose patterns repeat tokens (`"OP": "*"` / `"+"`), printed as the
expected values of `wildcard_patterns_match_medspacy` in crates/mlhc-nlp/src/context/mod.rs.

    bench/.venv-nlp/bin/python bench/nlp/medspacy_wildcard.py
"""
import medspacy  # noqa: F401  (registers the pipeline components)
import spacy
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

RULES = [
    ConTextRule("once ... is resolved", "NEGATED_EXISTENCE", direction="PSEUDO", pattern=[
        {"LOWER": {"IN": ["once", "until", "unless"]}}, {"OP": "*"},
        {"LOWER": {"IN": ["is", "are", "be", "has", "have", "been"]}},
        {"LOWER": {"IN": ["completely", "fully", "totally"]}, "OP": "?"}, {"LOWER": "resolved"}]),
    ConTextRule("resolved", "NEGATED_EXISTENCE", direction="BIDIRECTIONAL"),
    ConTextRule("no no more", "NEGATED_EXISTENCE", direction="FORWARD",
                pattern=[{"LOWER": "no"}, {"LOWER": "no", "OP": "+"}, {"LOWER": "more"}]),
]
SENTENCES = [
    "Reimplant the pacemaker once the infection is completely resolved.",
    "Once the rash resolved, he was discharged.",
    "Continue antibiotics until the infection has resolved.",
    "The infection is completely resolved.",
    "no no more pain",
    "no more pain",
]


def main():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    tm = nlp.add_pipe("medspacy_target_matcher")
    tm.add([TargetRule(t, "PROBLEM") for t in ["infection", "rash", "pain"]])
    ctx = nlp.add_pipe("medspacy_context", config={"rules": None})
    ctx.add(RULES)
    for text in SENTENCES:
        doc = nlp(text)
        for ent in doc.ents:
            mods = [f"{m.category}:{doc[m.modifier_span[0]:m.modifier_span[1]].text}" for m in ent._.modifiers]
            print(f"{text!r} {ent.text!r} {mods}")


if __name__ == "__main__":
    main()
