"""Writes testdata/survival/support2_cc.csv.gz: the SUPPORT2 columns of issue 5's survival check (complete
cases) with a 70/30 split column drawn with numpy's default_rng(0).

    bench/.venv-survival/bin/python bench/survival/make_support2.py
"""
import numpy as np
import pandas as pd

COLS = ["d.time", "death", "age", "sex", "num.co", "diabetes", "dementia", "ca", "meanbp", "hrt", "resp", "temp",
        "wblc", "sod", "crea"]
df = pd.read_csv("../shared/data/support2-mlhc/support2.csv.gz", skipinitialspace=True)[COLS].dropna().reset_index(drop=True)
n = len(df)
test = np.zeros(n, dtype=bool)
test[np.random.default_rng(0).permutation(n)[: round(0.3 * n)]] = True
df["split"] = np.where(test, "test", "train")
df.to_csv("testdata/survival/support2_cc.csv.gz", index=False, float_format="%.10g")
print(n, "rows,", test.sum(), "test")
