"""medspaCy 1.3.1's section-to-attribute mapping on one note: prints each target's section category and
its is_negated, is_historical, is_family, is_hypothetical, is_uncertain flags. The output is the
expected value of `section_attributes_match_medspacy` in crates/mlhc-nlp/tests/medspacy_parity.rs.

Run: bench/.venv-nlp/bin/python bench/nlp/medspacy_section_attributes.py
"""
import medspacy
from medspacy.ner import TargetRule
nlp = medspacy.load()
nlp.add_pipe("medspacy_sectionizer")
tm = nlp.get_pipe("medspacy_target_matcher")
tm.add([TargetRule(t, "PROBLEM") for t in ["stroke", "diabetes", "pneumonia", "penicillin", "smoking", "fever"]])
text = "Past Medical History:\nDiabetes.\n\nFamily History:\nMother with stroke.\n\nAllergies:\nPenicillin.\n\nSocial History:\nSmoking.\n\nPatient Instructions:\nCall if fever.\n\nAssessment:\nNo pneumonia.\n"
doc = nlp(text)
for e in doc.ents:
    print(repr(e.text), e.start_char, e._.section.category if e._.section else None, e._.is_negated, e._.is_historical, e._.is_family, e._.is_hypothetical, e._.is_uncertain)
