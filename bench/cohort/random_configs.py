"""Writes random ACES task configs over the ACES sample data's codes, for differential testing of mlhc
against es-aces (fuzz_aces.sh). Each config is valid ACES: 1-3 windows chained from the trigger or from
earlier windows, offsets and `->` / `<-` boundaries in both directions, random inclusivity, `has`
constraints, one label and one index timestamp.

Usage: random_configs.py OUT_DIR N SEED   (writes OUT_DIR/rand_<k>.yaml and OUT_DIR/tasks.tsv)
"""

import random
import sys
from pathlib import Path

PREDICATES = """predicates:
  admission:
    code: { regex: "^ADMISSION//" }
  discharge:
    code: { regex: "^DISCHARGE//" }
  cardiac:
    code: { any: ["ADMISSION//CARDIAC", "DISCHARGE//CARDIAC"] }
  hr_high:
    code: HR
    value_min: %(hr)s
    value_min_inclusive: %(inc)s
  spo2_low:
    code: LAB//SpO2
    value_max: -0.5
  temp:
    code: TEMP
  sofa_high:
    code: { any: ["LAB//SOFA__EQ_3", "LAB//SOFA__EQ_4"] }
  gcs_low:
    code: { regex: "^LAB//GCS__EQ_[1-5]$" }
  severe:
    expr: or(sofa_high, gcs_low)
  unstable:
    expr: and(hr_high, temp)
  alarm:
    expr: or(severe, unstable)
"""

EVENTS = ["admission", "discharge", "cardiac", "sofa_high", "severe", "hr_high"]
COUNTED = ["admission", "discharge", "hr_high", "spo2_low", "temp", "severe", "alarm", "_ANY_EVENT",
           "_RECORD_START", "_RECORD_END", "unstable"]
LABELS = ["hr_high", "spo2_low", "severe", "alarm", "discharge", "unstable", "male_alarm"]
TRIGGERS = ["admission", "discharge", "sofa_high", "severe", "hr_high", "male_admission", "_RECORD_START"]


def duration(r: random.Random) -> str:
    return r.choice([f"{r.randint(1, 72)}h", f"{r.randint(1, 30)}d", f"{r.randint(30, 600)}m", "1.5 days"])


def window(r: random.Random, ref: str) -> dict:
    form = r.randrange(7)
    if form == 0:
        start, end = ref, f"start + {duration(r)}"
    elif form == 1:
        start, end = f"end - {duration(r)}", ref
    elif form == 2:
        start, end = ref, f"start -> {r.choice(EVENTS)}"
    elif form == 3:
        start, end = f"end <- {r.choice(EVENTS)}", ref
    elif form == 4:
        sign = r.choice(["+", "-"])
        start, end = f"{ref} {sign} {duration(r)}", r.choice([f"start + {duration(r)}", f"start -> {r.choice(EVENTS)}"])
    elif form == 5:
        start, end = None, r.choice([ref, f"{ref} + {duration(r)}", f"{ref} - {duration(r)}"])
        if ref != "trigger" and end != ref:
            end = ref
    else:
        start, end = ref, None
    return {"start": start, "end": end}


def config(r: random.Random) -> str:
    text = PREDICATES % {"hr": r.choice([0.5, 1.0, 1.5]), "inc": r.choice(["true", "false"])}
    demographics = r.random() < 0.4
    text += "  male_admission:\n    expr: and(male, admission)\n" if demographics else ""
    text += "  male_alarm:\n    expr: and(male, alarm)\n" if demographics else ""
    if demographics:
        text += "patient_demographics:\n  male:\n    code: SEX//male\n"
    triggers = TRIGGERS if demographics else [t for t in TRIGGERS if not t.startswith("male")]
    text += f"trigger: {r.choice(triggers)}\nwindows:\n"
    n = r.randint(1, 3)
    names = [f"w{i}" for i in range(n)]
    label_w, index_w = r.choice(names), r.choice(names)
    refs = ["trigger"]
    for name in names:
        w = window(r, r.choice(refs))
        text += f"  {name}:\n"
        for k in ("start", "end"):
            v = w[k]
            text += f"    {k}: {'null' if v is None else v}\n"
        text += f"    start_inclusive: {r.choice(['true', 'false'])}\n    end_inclusive: {r.choice(['true', 'false'])}\n"
        has = r.sample(COUNTED, r.choice([0, 0, 1, 2]))
        if has:
            text += "    has:\n"
            for p in has:
                if p.startswith("_RECORD"):
                    bound = r.choice(["(None, 0)", "(0, 1)", "(1, None)"])
                else:
                    bound = r.choice(["(1, None)", "(None, 0)", "(None, 3)", "(2, None)", "(1, 5)", "(None, 20)"])
                text += f"      {p}: {bound}\n"
        if name == label_w:
            labels = LABELS if demographics else [x for x in LABELS if not x.startswith("male")]
            text += f"    label: {r.choice(labels)}\n"
        if name == index_w:
            text += f"    index_timestamp: {r.choice(['start', 'end'])}\n"
        refs += [f"{name}.start", f"{name}.end"]
    return text


def main() -> None:
    out, n, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    r = random.Random(seed)
    lines = []
    for k in range(n):
        path = out / f"rand_{k:03d}.yaml"
        path.write_text(config(r))
        lines.append(f"rand/{k:03d}\t{path}\t-\ttestdata/aces-meds-sample")
    (out / "tasks.tsv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
