"""Writes a lexicon of >= 100k terms (ICD-10-CM descriptions and include notes, plus laterality and
severity variants of the short ones) for the load-time comparison.

    python big_lexicon.py OUT.tsv
"""
import gzip
import re
import sys


def main():
    xml = gzip.open("crates/mlhc-nlp/data/icd10cm-tabular-2026.xml.gz", "rt").read()
    terms = {}
    for code, desc in re.findall(r"<name>([^<]+)</name>\s*<desc>([^<]+)</desc>", xml):
        terms.setdefault(desc.strip().lower().replace("&amp;", "&"), code)
    for block in re.findall(r"<diag>\s*<name>([^<]+)</name>(.*?)(?=<diag>|</diag>)", xml, flags=re.S):
        code, body = block
        for inc in re.findall(r"<includes>(.*?)</includes>|<inclusionTerm>(.*?)</inclusionTerm>", body, flags=re.S):
            for note in re.findall(r"<note>([^<]+)</note>", inc[0] or inc[1]):
                terms.setdefault(note.strip().lower().replace("&amp;", "&"), code)
    base = [t for t in terms if len(t.split()) <= 3]
    for t in base:
        for q in ("mild", "severe", "left", "right", "chronic"):
            terms.setdefault(f"{q} {t}", terms[t])
    with open(sys.argv[1], "w") as f:
        for t, c in terms.items():
            if "\t" not in t and t.strip():
                f.write(f"{t}\t{c}\tPROBLEM\n")
    print(f"{len(terms)} terms -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
