"""Independent check of a survival task extracted from MEDS (mlhc surv labels) and of the Cox fit on
tabularized features (mlhc surv cox --features --labels), with pandas/pyarrow and lifelines 0.30.3.

    python meds_check.py MEDS_DIR LABELS.parquet FEATURES_DIR COX.json INDEX_PREFIX EVENT_CODE HORIZON_DAYS \
        MIN_NONZERO PENALIZER SPLIT

1. Recomputes the labels from the MEDS events (definition in crates/mlhc-surv/src/meds.rs) and compares
   them with mlhc's label file row for row; prints the summary counts.
2. Joins the `mlhc tabularize` rows of SPLIT with the labels, selects columns as documented (stored
   nonzero in >= MIN_NONZERO rows, not constant, first of identical columns) and fits lifelines'
   CoxPHFitter(penalizer=PENALIZER) on them; compares the coefficients with mlhc's JSON.
"""

import glob
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import scipy.sparse
from lifelines import CoxPHFitter

(meds, labels_path, features, cox_json, index_prefix, event_code, horizon, min_nonzero, penalizer, split) = sys.argv[1:]
horizon, min_nonzero, penalizer = float(horizon), int(min_nonzero), float(penalizer)

# 1. Labels.
start = time.perf_counter()
frames = [pq.read_table(f, columns=["subject_id", "time", "code"]).to_pandas()
          for f in sorted(glob.glob(os.path.join(meds, "data", "**", "*.parquet"), recursive=True))]
ev = pd.concat(frames)
ev = ev[ev["time"].notna()]
subjects = sorted(pd.concat(frames)["subject_id"].unique())
rows, counts = [], dict(subjects=len(subjects), labels=0, events=0, censored_at_horizon=0,
                        censored_at_last_event=0, no_index=0, prior_event=0)
for sid, g in ev.groupby("subject_id"):
    idx = g.loc[g["code"].str.startswith(index_prefix), "time"]
    if idx.empty:
        continue
    t0 = idx.min()
    deaths = g.loc[g["code"] == event_code, "time"]
    if (deaths <= t0).any():
        counts["prior_event"] += 1
        continue
    if deaths.empty:
        end, event = g["time"].max(), False
    else:
        end, event = deaths.min(), True
    days = (end - t0) / pd.Timedelta(days=1)
    kind = "events" if event else "censored_at_last_event"
    if days > horizon:
        days, event, kind = horizon, False, "censored_at_horizon"
    counts[kind] += 1
    counts["labels"] += 1
    rows.append((sid, t0, event, np.float32(days)))
counts["no_index"] = counts["subjects"] - counts["labels"] - counts["prior_event"]
ref = pd.DataFrame(rows, columns=["subject_id", "prediction_time", "boolean_value", "float_value"])
print(f"pandas labels: {time.perf_counter() - start:.2f} s")
got = pq.read_table(labels_path).to_pandas()
assert list(got["subject_id"]) == list(ref["subject_id"]), "subjects differ"
assert (got["prediction_time"].values == ref["prediction_time"].values).all(), "prediction times differ"
assert (got["boolean_value"].values == ref["boolean_value"].values).all(), "events differ"
assert (got["float_value"].values == ref["float_value"].values).all(), "durations differ"
print("labels identical:", json.dumps(counts))

# 2. Cox on the joined, selected features.
space = json.load(open(os.path.join(features, "feature_space.json")))
X = scipy.sparse.load_npz(os.path.join(features, split, "features.npz")).tocsc()
r = np.load(os.path.join(features, split, "rows.npz"))
keys = pd.DataFrame({"subject_id": r["subject_id"], "t": r["prediction_time"]})
lab = got.assign(t=got["prediction_time"].astype("int64"))
joined = keys.merge(lab, on=["subject_id", "t"], how="left", validate="one_to_one")
assert joined["float_value"].notna().all(), "feature rows without a label"
dense = X.toarray().astype(np.float64)
cols, seen = [], set()
for j, name in enumerate(space["names"]):
    c = dense[:, j]
    if (c != 0).sum() < max(min_nonzero, 1) or np.all(c == c[0]):
        continue
    key = c.tobytes()
    if key in seen:
        continue
    seen.add(key)
    cols.append(j)
df = pd.DataFrame(dense[:, cols], columns=[space["names"][j] for j in cols])
df["T"] = joined["float_value"].astype(np.float64).values
df["E"] = joined["boolean_value"].astype(int).values
start = time.perf_counter()
cph = CoxPHFitter(penalizer=penalizer).fit(df, "T", "E")
print(f"lifelines fit: {time.perf_counter() - start:.2f} s")
mine = {c["name"]: c["coef"] for c in json.load(open(cox_json))["coefficients"]}
assert list(mine) == [space["names"][j] for j in cols], "selected columns differ"
diff = max(abs(mine[k] - v) for k, v in cph.params_.items())
print(f"{len(cols)} columns, n {len(df)}, events {df['E'].sum()}; max |coef difference| vs lifelines {diff:.2e}")
for k in list(cph.params_.index)[:3]:
    print(f"  {k}: lifelines {cph.params_[k]:.8f} mlhc {mine[k]:.8f}")
