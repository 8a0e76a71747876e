"""Writes N seeded synthetic clinical notes (~2 KB each) and the shared lexicon for bench/nlp.

    python make_notes.py OUT_DIR N SEED
OUT_DIR/notes/00000.txt ..., OUT_DIR/lexicon.tsv (term, code, label). Headers come from medspaCy's
section_patterns.json; trigger phrases are ordinary clinical English covered by its context_rules.json.
"""
import gzip
import os
import random
import re
import sys

PROBLEMS = [
    "pneumonia", "chest pain", "shortness of breath", "fever", "cough", "hypertension", "diabetes",
    "breast cancer", "colon cancer", "pleural effusion", "edema", "myocardial infarction", "hepatitis",
    "nausea", "vomiting", "diarrhea", "chills", "deep vein thrombosis", "atrial fibrillation", "stroke",
    "congestive heart failure", "asthma", "anemia", "headache", "dizziness", "syncope", "sepsis",
    "urinary tract infection", "pulmonary embolism", "abdominal pain", "back pain", "rash", "seizure",
    "hyperlipidemia", "hypothyroidism", "depression", "anxiety", "renal failure", "cirrhosis", "pancreatitis",
    "palpitations", "fatigue", "weight loss", "hematuria", "dysuria", "constipation", "melena", "jaundice",
]
HEADERS = [
    "Chief Complaint:", "History of Present Illness:", "Past Medical History:", "Family History:",
    "Social History:", "Allergies:", "Physical Exam:", "Hospital Course:", "Discharge Diagnosis:",
    "Discharge Instructions:",
]
SENTENCES = [
    "Patient denies {a} or {b}.", "No evidence of {a}.", "History of {a} and {b}.", "Mother with {a}.",
    "{A} was ruled out.", "Possible {a} in the right lower lobe.", "Return if you develop {a} or {b}.",
    "The patient reports {a} for two days.", "{A} resolved after treatment.", "He does not have {a}.",
    "No {a}, no {b}, but mild {c}.", "Concerned about {a}.", "Her father had {a} at age sixty.",
    "Negative for {a}.", "Admitted with {a} and treated with antibiotics.", "Chest x-ray was negative for {a}.",
    "Suspicious for {a}, will obtain imaging.", "She has a past medical history of {a}.",
    "Without {a} or {b}.", "The {a} is unlikely given the exam.", "Presents with worsening {a} since yesterday.",
    "Blood pressure was one hundred twenty over eighty and heart rate was regular.",
    "Lungs were clear to auscultation bilaterally and the abdomen was soft.",
]


def note(rng: random.Random) -> str:
    parts = []
    size = 0
    headers = rng.sample(HEADERS, k=len(HEADERS))
    for h in headers:
        lines = [h]
        for _ in range(rng.randint(3, 5)):
            a, b, c = rng.sample(PROBLEMS, 3)
            s = rng.choice(SENTENCES).format(a=a, b=b, c=c, A=a.capitalize())
            lines.append(s)
        block = lines[0] + "\n" + " ".join(lines[1:]) + "\n"
        parts.append(block)
        size += len(block)
        if size > 1950:
            break
    return "\n".join(parts)


def main():
    out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    os.makedirs(f"{out}/notes", exist_ok=True)
    for i in range(n):
        with open(f"{out}/notes/{i:05d}.txt", "w") as f:
            f.write(note(rng))
    # Lexicon: the problems above plus ICD-10-CM descriptions made of plain words (so spaCy's and
    # mlhc's tokenizers agree on them), 2,000 terms in all.
    terms = {p: f"P{i:03d}" for i, p in enumerate(PROBLEMS)}
    xml = gzip.open("crates/mlhc-nlp/data/icd10cm-tabular-2026.xml.gz", "rt").read()
    for code, desc in re.findall(r"<name>([^<]+)</name>\s*<desc>([^<]+)</desc>", xml):
        d = desc.lower()
        if re.fullmatch(r"[a-z]+( [a-z]+){0,5}", d) and d not in terms:
            terms[d] = code
        if len(terms) >= 2000:
            break
    with open(f"{out}/lexicon.tsv", "w") as f:
        for t, c in terms.items():
            f.write(f"{t}\t{c}\tPROBLEM\n")


if __name__ == "__main__":
    main()
