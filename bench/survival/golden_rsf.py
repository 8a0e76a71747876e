"""scikit-survival 0.23.1 RandomSurvivalForest on the SUPPORT2 split: test Harrell's C for reference.

    bench/.venv-survival/bin/python bench/survival/golden_rsf.py
"""
import time
import warnings

import pandas as pd
from sksurv.ensemble import RandomSurvivalForest
from sksurv.metrics import concordance_index_censored
from sksurv.util import Surv

warnings.simplefilter("ignore")
df = pd.read_csv("testdata/survival/support2_cc.csv.gz")
X = pd.get_dummies(df.drop(columns=["split"]), columns=["sex", "ca"], drop_first=True, dtype=float)
train, test = X[df.split == "train"], X[df.split == "test"]
xs = lambda d: d.drop(columns=["d.time", "death"]).values
for n_trees, leaf in [(50, 15)]:
    t0 = time.perf_counter()
    rsf = RandomSurvivalForest(n_estimators=n_trees, min_samples_leaf=leaf, max_features="sqrt", random_state=0, n_jobs=2)
    rsf.fit(xs(train), Surv.from_arrays(train.death == 1, train["d.time"]))
    fit_s = time.perf_counter() - t0
    c = concordance_index_censored(test.death == 1, test["d.time"], rsf.predict(xs(test)))[0]
    print(f"rsf trees={n_trees} min_samples_leaf={leaf}: test C {c!r}, fit {fit_s:.1f}s")
