"""Random survival forest: mlhc vs scikit-survival on the same seeded synthetic data (gen.py), same
settings (trees, min_samples_leaf, min_samples_split 6, max_features = sqrt, THREADS threads: rayon for mlhc,
n_jobs for scikit-survival); fit on the first N_TRAIN rows, test Harrell's C on the rest. scikit-survival
runs with low_memory=True (risk scores only), which is what mlhc's forest returns too. mlhc runs REPEATS
times (median wall time reported), scikit-survival once.
Usage: rsf_compare.py MLHC DATA.parquet N_TRAIN TREES LEAF OUT_DIR [THREADS [REPEATS]]"""
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sksurv.ensemble import RandomSurvivalForest
from sksurv.metrics import concordance_index_censored

mlhc, data, n_train, trees, leaf, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
threads = int(sys.argv[7]) if len(sys.argv) > 7 else 2
repeats = int(sys.argv[8]) if len(sys.argv) > 8 else 1
df = pd.read_parquet(data)
train, test = df.iloc[:n_train], df.iloc[n_train:]
train.to_parquet(f"{out}/train.parquet", index=False)
test.to_parquet(f"{out}/test.parquet", index=False)
cov = [c for c in df.columns if c.startswith("x")]


def cindex(risk):
    return concordance_index_censored(test.event.astype(bool).to_numpy(), test.days.to_numpy(), np.asarray(risk))[0]


walls, rsss = [], []
for _ in range(repeats):
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", mlhc, "surv", "rsf", f"{out}/train.parquet", "--duration",
                        "days", "--event", "event", "--trees", str(trees), "--min-samples-leaf", str(leaf),
                        "--predict-data", f"{out}/test.parquet", "--risk-out", f"{out}/risk_mlhc.csv", "--json"],
                       check=True, capture_output=True, text=True, env={**os.environ, "RAYON_NUM_THREADS": str(threads)})
    walls.append(time.perf_counter() - t0)
    rsss.append(int(r.stderr.strip().splitlines()[-1]) / 1024)
    print(f"mlhc run: {walls[-1]:.2f} s, {rsss[-1]:.0f} MiB, load {os.getloadavg()[0]:.1f}", flush=True)
t_mlhc, rss_mlhc = statistics.median(walls), max(rsss)
risk_mlhc = pd.read_csv(f"{out}/risk_mlhc.csv")["risk"].to_numpy()
print(f"mlhc test C {cindex(risk_mlhc):.4f}; scikit-survival fitting...", flush=True)

y = np.array(list(zip(train.event.astype(bool), train.days)), dtype=[("event", bool), ("time", float)])
t0 = time.perf_counter()
rsf = RandomSurvivalForest(n_estimators=trees, min_samples_leaf=leaf, max_features="sqrt", n_jobs=threads,
                           random_state=0, low_memory=True).fit(train[cov].to_numpy(), y)
risk_sk = rsf.predict(test[cov].to_numpy())
t_sk = time.perf_counter() - t0
np.savetxt(f"{out}/risk_sksurv.csv", risk_sk)
rss_sk = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
c_m, c_s = cindex(risk_mlhc), cindex(risk_sk)
print(f"{n_train} training rows x {len(cov)} covariates, {trees} trees, min_samples_leaf {leaf}, {len(test)} test rows, "
      f"{threads} threads, load {os.getloadavg()[0]:.1f}")
print(f"mlhc            {t_mlhc:8.2f} s wall (whole process, median of {repeats})  peak {rss_mlhc:7.0f} MiB  test C {c_m:.4f}")
print(f"scikit-survival {t_sk:8.2f} s wall (fit + predict)    peak {rss_sk:7.0f} MiB  test C {c_s:.4f}")
print(f"speed-up {t_sk / t_mlhc:.1f}x, |delta C| {abs(c_m - c_s):.4f}")
