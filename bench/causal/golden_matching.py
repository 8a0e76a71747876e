"""Reference numbers for the matching golden test of mlhc-causal: nearest-neighbour matching with
replacement on the logit of a maximum-likelihood propensity (NHEFS, the book's chapter-12 model), M
matches, and the Abadie & Imbens (2006) variance, computed here by brute force in numpy:

  Abadie, A. & Imbens, G. W. (2006). Large sample properties of matching estimators for average
  treatment effects. Econometrica 74(1), 235-267. Theorem 7 (ATE and ATT variance estimators) with
  the conditional variance of eq. (14), J = 1: sigma2_i = 1/2 (Y_i - Y_l(i))^2, l(i) the nearest unit
  of the same arm.

Distances are |logit e_i - logit e_j|, ties to the lower row. The score is treated as known.
Run: bench/.venv-causal/bin/python bench/causal/golden_matching.py
"""
import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

d = pd.read_csv("testdata/causal/nhefs/NHEFS.csv")
d = d[d.wt82_71.notna()].reset_index(drop=True)
rhs = ("sex + race + age + I(age**2) + C(education) + smokeintensity + I(smokeintensity**2)"
       " + smokeyrs + I(smokeyrs**2) + C(exercise) + C(active) + wt71 + I(wt71**2)")
e = smf.glm("qsmk ~ " + rhs, data=d, family=sm.families.Binomial()).fit().predict(d).values
e = np.clip(e, 0.01, 0.99)
s = np.log(e / (1 - e))
y, t = d.wt82_71.values, d.qsmk.values.astype(bool)
n = len(y)
rows = np.arange(n)


def nearest(i, arm, m, exclude_self=False):
    cand = rows[(t == arm) & ((rows != i) if exclude_self else True)]
    order = np.lexsort((cand, np.abs(s[cand] - s[i])))
    return cand[order[:m]]


def matching(m, estimand):
    K = np.zeros(n)
    diffs = []
    for i in range(n):
        if estimand == "att" and not t[i]:
            continue
        js = nearest(i, not t[i], m)
        K[js] += 1.0 / m
        imp = y[js].mean()
        diffs.append(y[i] - imp if t[i] else imp - y[i])
    diffs = np.array(diffs)
    tau = diffs.mean()
    sigma2 = np.array([0.5 * (y[i] - y[nearest(i, t[i], 1, True)[0]]) ** 2 for i in range(n)])
    if estimand == "ate":
        factor = K ** 2 + (2 * m - 1) / m * K
    else:
        factor = K ** 2 - K / m
    var = (np.sum((diffs - tau) ** 2) + np.sum(factor * sigma2)) / len(diffs) ** 2
    return tau, np.sqrt(var)


for m in (1, 4):
    for est in ("ate", "att"):
        tau, se = matching(m, est)
        print("M=%d %s estimate %.10f se %.10f" % (m, est, tau, se))
