"""Trains LightGBM and XGBoost with mlhc's hyperparameters on the same npz files, times the fits
(Dataset/DMatrix construction included, as mlhc's fit bins the data too) and reports test AUROC for
all three. Usage: compare.py DIR NUM_TREES NUM_LEAVES THREADS MLHC_JSON."""
import json
import sys
import time

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from scipy.stats import rankdata


def auroc(score, y):
    r = rankdata(score)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return (r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


d, trees, leaves, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mlhc = json.loads(sys.argv[5])
xtr, xte = sp.load_npz(f"{d}/x_train.npz"), sp.load_npz(f"{d}/x_test.npz")
y = np.load(f"{d}/y.npz")
ytr, yte = y["y_train"], y["y_test"]


def dense_nan(m):
    # LightGBM reads absent CSR entries as 0; NaN is its "missing", which is what absent means here.
    out = np.full(m.shape, np.nan, dtype=np.float32)
    r, c = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr)), m.indices
    out[r, c] = m.data
    return out


xtr_d, xte_d = dense_nan(xtr), dense_nan(xte)
rows = {"mlhc": {"fit_s": mlhc["fit_s"], "cpu_s": mlhc.get("fit_cpu_s", float("nan")), "auroc": auroc(np.load(f"{d}/pred_mlhc.npy"), yte)}}

params = dict(objective="binary", num_leaves=leaves, learning_rate=0.1, min_data_in_leaf=20,
              min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, max_bin=255, num_threads=threads,
              bagging_fraction=1.0, feature_fraction=1.0, verbose=-1, seed=0, deterministic=True)
t, c = time.perf_counter(), time.process_time()
booster = lgb.train(params, lgb.Dataset(xtr_d, ytr), num_boost_round=trees)
rows["lightgbm " + lgb.__version__] = {"fit_s": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                                       "auroc": auroc(booster.predict(xte_d), yte)}

t, c = time.perf_counter(), time.process_time()
dtr = xgb.DMatrix(xtr, ytr, nthread=threads)  # XGBoost reads absent CSR entries as missing
bst = xgb.train(dict(objective="binary:logistic", tree_method="hist", grow_policy="lossguide", max_leaves=leaves,
                     max_depth=0, eta=0.1, min_child_weight=1e-3, reg_lambda=0.0, max_bin=255, nthread=threads),
                dtr, num_boost_round=trees)
rows["xgboost " + xgb.__version__] = {"fit_s": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                                      "auroc": auroc(bst.predict(xgb.DMatrix(xte, nthread=threads)), yte)}
for k, v in rows.items():
    print(f"{k:16s} fit {v['fit_s']:8.2f} s wall {v['cpu_s']:8.2f} s CPU   test AUROC {v['auroc']:.4f}")
