# Golden values for crates/mlhc-learn/tests/logistic_sklearn.rs: scikit-learn 1.5.2 on the same
# deterministic design, standardized with numpy. Run: pip install scikit-learn==1.5.2 numpy; python golden_logistic.py
import numpy as np, sklearn, warnings
from sklearn.linear_model import LogisticRegression
warnings.filterwarnings("ignore")
n, p = 120, 6
X = np.zeros((n, p), dtype=np.float32)
for i in range(n):
    for j in range(p):
        if (i * (j + 1)) % 5 != 0:
            X[i, j] = np.float32(np.sin(0.7 * i + 1.3 * j) * (j + 1) + 0.1 * j)
Xd = X.astype(np.float64)
y = (np.sin(0.37 * np.arange(n)) + 0.5 * Xd[:, 0] - 0.3 * Xd[:, 2] + 0.05 * Xd[:, 4] > 0).astype(float)
mu, sd = Xd.mean(0), Xd.std(0)
sd[sd == 0] = 1.0  # column 4 is all zeros: constant, coefficient 0
Xs = (Xd - mu) / sd
print("sklearn", sklearn.__version__, "positives", int(y.sum()))
for name, kw in [("l2_c0.5", dict(penalty="l2", C=0.5, solver="lbfgs")),
                 ("l2_c100", dict(penalty="l2", C=100.0, solver="lbfgs")),
                 ("l1_c0.5", dict(penalty="l1", C=0.5, solver="saga")),
                 ("enet_c0.5_r0.5", dict(penalty="elasticnet", C=0.5, l1_ratio=0.5, solver="saga"))]:
    m = LogisticRegression(tol=1e-14, max_iter=1_000_000, **kw).fit(Xs, y)
    print(name, "intercept", repr(float(m.intercept_[0])), "coef", [float(f"{c:.10g}") for c in m.coef_[0]])
