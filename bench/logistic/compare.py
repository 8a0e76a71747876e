"""Times mlhc and scikit-learn on the same standardized L2 logistic problems and compares coefficients."""
import json, subprocess, sys, time, resource
import numpy as np, scipy.sparse as sp, sklearn
from sklearn.linear_model import LogisticRegression

mlhc, out = sys.argv[1], sys.argv[2]
X = sp.load_npz(f"{out}/features/train/features.npz").astype(np.float64)
rows = np.load(f"{out}/features/train/rows.npz")
y = rows["label"]
n = X.shape[0]
mu = np.asarray(X.mean(axis=0)).ravel()
sd = np.sqrt(np.asarray(X.multiply(X).mean(axis=0)).ravel() - mu ** 2)
keep = sd > 1e-12
Xs = (X.toarray()[:, keep] - mu[keep]) / sd[keep]
print(f"sklearn {sklearn.__version__}; {n} rows x {X.shape[1]} features ({keep.sum()} non-constant), {int(y.sum())} positives")
print(f"{'C':>6} {'sklearn lbfgs s':>16} {'mlhc s':>8} {'speed-up':>9} {'max |coef diff|':>16}")
for C in [0.01, 0.1, 1.0]:
    t0 = time.perf_counter()
    m = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=100000).fit(Xs, y)
    t_sk = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = subprocess.run([mlhc, "train", f"{out}/features", "-o", f"{out}/model-{C}.json", "--c", str(C),
                        "--transform", "none", "--tol", "1e-8", "--json"], check=True, capture_output=True, text=True)
    t_ml = time.perf_counter() - t0
    fit_s = json.loads(r.stdout)["seconds"]
    coef = np.array(json.load(open(f"{out}/model-{C}.json"))["model"]["coef"])[keep] * sd[keep]
    diff = np.abs(coef - m.coef_[0]).max()
    print(f"{C:>6} {t_sk:>16.2f} {t_ml:>8.2f} {t_sk / t_ml:>8.1f}x {diff:>16.2e}   (mlhc fit alone {fit_s:.2f}s)")
print(f"peak RSS of this Python process (scikit-learn side): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
