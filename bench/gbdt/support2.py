"""SUPPORT2 in-hospital death (`hospdead`) as the npz files bench.sh trains on: baseline covariates
only (no outcome, cost, length-of-stay or prognosis columns), categorical columns one-hot encoded,
a missing cell absent from the CSR matrix (what mlhc and XGBoost read as missing; LightGBM gets NaN),
a seeded 70/30 row split (one row per patient, so rows are subjects).
Usage: support2.py SUPPORT2_CSV_GZ OUT_DIR SEED."""
import csv
import gzip
import sys

import numpy as np
import scipy.sparse as sp

from npz import save_csr, savez

src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
NUMERIC = ["age", "num.co", "edu", "scoma", "diabetes", "dementia", "meanbp", "wblc", "hrt", "resp", "temp",
           "pafi", "alb", "bili", "crea", "sod", "ph", "glucose", "bun", "urine", "adlsc"]
CATEGORICAL = ["sex", "dzgroup", "income", "race", "ca"]
with gzip.open(src, "rt", newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    # R's write.csv layout: each row starts with an unnamed row number that the header lacks.
    rows = [dict(zip(header, r[len(r) - len(header):])) for r in reader]
levels = {c: sorted({r[c].strip() for r in rows if r[c].strip()}) for c in CATEGORICAL}
names = NUMERIC + [f"{c}={v}" for c in CATEGORICAL for v in levels[c]]
col = {n: j for j, n in enumerate(names)}
data, indices, indptr, y = [], [], [0], []
for r in rows:
    for c in NUMERIC:
        v = r[c].strip()
        if v:
            data.append(float(v))
            indices.append(col[c])
    for c in CATEGORICAL:
        v = r[c].strip()
        if v:
            # One indicator per level, all stored (1 for the level, explicit 0 otherwise): a missing
            # category is absent on every indicator.
            for lv in levels[c]:
                data.append(1.0 if v == lv else 0.0)
                indices.append(col[f"{c}={lv}"])
    indptr.append(len(data))
    y.append(float(r["hospdead"]))
x = sp.csr_matrix((np.array(data, np.float32), np.array(indices, np.int32), np.array(indptr, np.int64)),
                  shape=(len(rows), len(names)))
x.sort_indices()
y = np.array(y)
perm = np.random.default_rng(seed).permutation(len(rows))
n_train = int(round(0.7 * len(rows)))
tr, te = np.sort(perm[:n_train]), np.sort(perm[n_train:])


save_csr(f"{out}/x_train.npz", x[tr])
save_csr(f"{out}/x_test.npz", x[te])
savez(f"{out}/y.npz", y_train=y[tr], y_test=y[te])
print(f"SUPPORT2 hospdead: {len(tr)} train + {len(te)} test rows, {len(names)} features, "
      f"positives {y.mean():.3f}, nnz/row {x.nnz / len(rows):.1f}")
