"""EconML side of bench/causal: fits on the CSV and prints one JSON line."""
import json, sys, time
import numpy as np, pandas as pd
from econml.dr import DRLearner, LinearDRLearner
from sklearn.linear_model import LinearRegression, LogisticRegression

path, kind = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
Y, T, X = df["y"].to_numpy(), df["t"].to_numpy(), df.drop(columns=["t", "y"]).to_numpy()
t0 = time.perf_counter()
# The same nuisances as mlhc: unpenalized logistic propensity, least-squares outcome, 5-fold cross-fitting.
nuis = dict(model_propensity=LogisticRegression(C=np.inf, max_iter=1000), model_regression=LinearRegression(),
            cv=5, random_state=0)
if kind == "gbdt":
    # Boosted trees with mlhc's defaults for small tables: 100 trees, learning rate 0.05, 15 leaves.
    from lightgbm import LGBMClassifier, LGBMRegressor
    trees = dict(n_estimators=100, learning_rate=0.05, num_leaves=15, min_child_samples=20, verbose=-1)
    nuis = dict(model_propensity=LGBMClassifier(**trees), model_regression=LGBMRegressor(**trees), cv=5, random_state=0)
if kind == "linear":
    m = LinearDRLearner(**nuis).fit(Y, T, X=X)
else:
    m = DRLearner(model_final=LinearRegression(), **nuis).fit(Y, T, X=X)
ate = float(m.ate(X))
if kind == "linear":
    lo, hi = (float(v) for v in m.ate_interval(X, alpha=0.05))
elif kind == "gbdt":
    # Final stage is LinearRegression here too; no analytic interval.
    lo = hi = float("nan")
else:
    # DRLearner with a scikit-learn final model has no analytic interval.
    lo = hi = float("nan")
fit = time.perf_counter() - t0
print(json.dumps({"estimate": ate, "ci_low": lo, "ci_high": hi, "fit_seconds": fit}))
