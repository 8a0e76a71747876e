"""Seeded synthetic Cox data: N rows x P standard-normal covariates, integer-day times (ties, as in EHR
data), administrative censoring at 10 years plus random dropout. Writes Parquet.

    python gen.py N P OUT.parquet
"""
import sys

import numpy as np
import pandas as pd

n, p, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(20261126)
X = rng.standard_normal((n, p))
beta = rng.normal(0.0, 0.15, p)
t_event = rng.exponential(1.0 / (0.2 * np.exp(X @ beta)))          # years
t_cens = np.minimum(rng.exponential(8.0, n), 10.0)
t = np.minimum(t_event, t_cens)
df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
df.insert(0, "days", np.ceil(t * 365.25))
df.insert(1, "event", (t_event <= t_cens).astype(np.int64))
df.to_parquet(out, index=False)
print(f"{out}: {n} rows x {p} covariates, {df.event.mean():.3f} events, {df.days.nunique()} distinct times")
