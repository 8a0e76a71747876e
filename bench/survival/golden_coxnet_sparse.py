# Golden numbers for mlhc-surv's sparse coordinate-descent Cox (crates/mlhc-surv/tests/coxnet_sparse.rs).
# Writes testdata/survival/sparse_small.csv (seeded synthetic: 80 rows, 12 mostly-zero columns, tied times)
# and prints scikit-survival 0.23.1 CoxnetSurvivalAnalysis coefficients (Breslow ties) fitted on the
# columns divided by their sample standard deviation, converted back to the raw scale (coef / sd).
# Run: bench/.venv-survival/bin/python bench/survival/golden_coxnet_sparse.py
import numpy as np, pandas as pd
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.util import Surv

rng = np.random.default_rng(5)
n, p = 80, 12
X = np.where(rng.random((n, p)) < 0.25, rng.integers(1, 4, (n, p)).astype(float), 0.0)
X[:, 3] = np.where(rng.random(n) < 0.3, rng.normal(0, 2, n).round(2), 0.0)
eta = 0.6 * X[:, 0] - 0.5 * X[:, 1] + 0.3 * X[:, 3]
t = np.ceil(rng.exponential(10 * np.exp(-eta)))
e = rng.random(n) < 0.7
df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
df.insert(0, "event", e.astype(int)); df.insert(0, "time", t)
df.to_csv("testdata/survival/sparse_small.csv", index=False)
sd = X.std(axis=0, ddof=1)
y = Surv.from_arrays(e, t)
for alpha, l1 in [(0.12, 1.0), (0.05, 1.0), (0.03, 0.5), (0.1, 0.2)]:
    cn = CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=l1, normalize=False, tol=1e-12, max_iter=1000000).fit(X / sd, y)
    print("coxnet", alpha, l1, repr((cn.coef_[:, 0] / sd).tolist()))
