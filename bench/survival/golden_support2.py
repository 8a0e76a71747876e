"""SUPPORT2 reference values (lifelines 0.30.3, scikit-survival 0.23.1) on testdata/survival/support2_cc.csv.gz.

    bench/.venv-survival/bin/python bench/survival/golden_support2.py
"""
import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, WeibullAFTFitter
from lifelines.utils import concordance_index
from sksurv.metrics import concordance_index_ipcw, cumulative_dynamic_auc, integrated_brier_score, brier_score
from sksurv.util import Surv

warnings.simplefilter("ignore")
df = pd.read_csv("testdata/survival/support2_cc.csv.gz")
X = pd.get_dummies(df.drop(columns=["split"]), columns=["sex", "ca"], drop_first=True, dtype=float)
train, test = X[df.split == "train"], X[df.split == "test"]
y_train = Surv.from_arrays(train.death == 1, train["d.time"])
y_test = Surv.from_arrays(test.death == 1, test["d.time"])
grid = np.arange(30, 1826, 30, dtype=float)
auc_times = np.array([365.0, 730.0, 1095.0])

cph = CoxPHFitter().fit(train, "d.time", "death", fit_options=dict(precision=1e-12))
print("columns", list(cph.params_.index))
print("cox coef", repr(cph.params_.values))
print("cox se", repr(cph.standard_errors_.values))
print("cox loglik", repr(cph.log_likelihood_), "train C", repr(cph.concordance_index_))
risk = cph.predict_partial_hazard(test).values
print("cox test harrell", repr(concordance_index(test["d.time"], -risk, test.death)))
print("cox test uno", repr(concordance_index_ipcw(y_train, y_test, risk)[0]))
surv = cph.predict_survival_function(test, times=grid).T.values
print("cox test ibs", repr(integrated_brier_score(y_train, y_test, surv, grid)))
print("cox test brier 30,360,1800", brier_score(y_train, y_test, surv, grid)[1][[0, 11, 59]].tolist())
auc, mean_auc = cumulative_dynamic_auc(y_train, y_test, risk, auc_times)
print("cox test auc", auc.tolist(), repr(mean_auc))

wf = WeibullAFTFitter().fit(train, "d.time", "death")
print("weibull loglik", repr(wf.log_likelihood_))
print("weibull params", wf.params_.round(8).to_dict())
med = wf.predict_median(test).values
print("weibull test harrell", repr(concordance_index(test["d.time"], med, test.death)))
wsurv = wf.predict_survival_function(test, times=grid).T.values
print("weibull test ibs", repr(integrated_brier_score(y_train, y_test, wsurv, grid)))

# lifelines interpolates the baseline cumulative hazard linearly between observed times; Breslow's
# estimator (and mlhc) is a step function, as in scikit-survival's CoxPHSurvivalAnalysis:
from sksurv.linear_model import CoxPHSurvivalAnalysis
xs_train = train.drop(columns=["d.time", "death"]); xs_test = test.drop(columns=["d.time", "death"])
sk = CoxPHSurvivalAnalysis(ties="efron", tol=1e-12, n_iter=200).fit(xs_train, y_train)
print("sksurv cox coef max |diff| vs lifelines", np.max(np.abs(sk.coef_ - cph.params_.values)))
step = np.vstack([f(grid) for f in sk.predict_survival_function(xs_test)])
bs = brier_score(y_train, y_test, step, grid)[1]
print("cox (step survival) test ibs", repr(integrated_brier_score(y_train, y_test, step, grid)), bs[[0, 11, 59]].tolist())
