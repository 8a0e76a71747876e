"""Fits lifelines' CoxPHFitter (Efron) or scikit-survival's CoxPHSurvivalAnalysis (Efron) on one table and
prints JSON with the coefficients and the fit time (reading excluded).

    python fit_lifelines.py lifelines|sksurv FILE DURATION EVENT [COVARIATES,...]
"""
import json
import sys
import time
import warnings

import pandas as pd

warnings.simplefilter("ignore")
tool, path, dur, ev = sys.argv[1:5]
df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
if len(sys.argv) > 5:
    cols = sys.argv[5].split(",")
    df = df[[dur, ev] + cols]
    text = [c for c in cols if df[c].dtype == object]
    df = pd.get_dummies(df, columns=text, drop_first=True, dtype=float)
covs = [c for c in df.columns if c not in (dur, ev)]
t0 = time.perf_counter()
if tool == "lifelines":
    from lifelines import CoxPHFitter

    m = CoxPHFitter().fit(df, dur, ev)
    coef = m.params_.values.tolist()
else:
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    m = CoxPHSurvivalAnalysis(ties="efron").fit(df[covs].values, Surv.from_arrays(df[ev] == 1, df[dur]))
    coef = m.coef_.tolist()
print(json.dumps({"fit_seconds": time.perf_counter() - t0, "names": covs, "coef": coef}))
