"""Reference numbers for the NHEFS and LaLonde golden tests of mlhc-causal (statsmodels, pandas).

Run: bench/.venv-causal/bin/python bench/causal/golden_nhefs.py
"""
import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf

print("statsmodels", statsmodels.__version__, "pandas", pd.__version__)
d = pd.read_csv("testdata/causal/nhefs/NHEFS.csv")
d = d[d.wt82_71.notna()].copy()
print("n", len(d), "treated", int(d.qsmk.sum()))
print("naive", d[d.qsmk == 1].wt82_71.mean() - d[d.qsmk == 0].wt82_71.mean())
rhs = ("sex + race + age + I(age**2) + C(education) + smokeintensity + I(smokeintensity**2)"
       " + smokeyrs + I(smokeyrs**2) + C(exercise) + C(active) + wt71 + I(wt71**2)")
ps = smf.glm("qsmk ~ " + rhs, data=d, family=sm.families.Binomial()).fit()
e = ps.predict(d)
w = np.where(d.qsmk == 1, 1 / e, 1 / (1 - e))
p1 = d.qsmk.mean()
sw = np.where(d.qsmk == 1, p1 / e, (1 - p1) / (1 - e))
print("weights %.6f %.6f stabilized %.6f %.6f" % (w.min(), w.max(), sw.min(), sw.max()))
gee = smf.gee("wt82_71 ~ qsmk", groups=d.seqn, data=d, weights=w).fit()
lo, hi = gee.conf_int().loc["qsmk"]
print("ipw hajek %.10f se %.10f ci %.6f %.6f" % (gee.params.qsmk, gee.bse.qsmk, lo, hi))
y, t = d.wt82_71.values, d.qsmk.values
print("ipw ht %.10f" % (np.mean(t * y / e) - np.mean((1 - t) * y / (1 - e))))
# Standardization (S-learner) with a linear outcome model: Y ~ covariates + qsmk.
ols = smf.ols("wt82_71 ~ qsmk + " + rhs, data=d).fit()
print("standardization (linear S-learner) %.10f" % ols.params.qsmk)
# Book (ch. 13) standardization with the qsmk:smokeintensity interaction.
ols2 = smf.ols("wt82_71 ~ qsmk + qsmk:smokeintensity + " + rhs, data=d).fit()
d1, d0 = d.copy(), d.copy()
d1["qsmk"], d0["qsmk"] = 1, 0
print("standardization (book ch. 13) %.10f" % (ols2.predict(d1) - ols2.predict(d0)).mean())
# T-learner with per-arm linear models.
m1 = smf.ols("wt82_71 ~ " + rhs, data=d[d.qsmk == 1]).fit()
m0 = smf.ols("wt82_71 ~ " + rhs, data=d[d.qsmk == 0]).fit()
cate = m1.predict(d) - m0.predict(d)
print("tlearner linear ate %.10f att %.10f" % (cate.mean(), cate[d.qsmk == 1].mean()))
# AIPW without cross-fitting (all in-sample), linear nuisances.
mu1, mu0 = m1.predict(d).values, m0.predict(d).values
psi = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e)
print("aipw in-sample %.10f se %.10f" % (psi.mean(), psi.std() / np.sqrt(len(psi))))

# LaLonde: NSW experimental, and NSW treated + CPS controls.
nsw = pd.read_csv("testdata/causal/lalonde/nsw_mixtape.csv")
cps = pd.read_csv("testdata/causal/lalonde/cps_mixtape.csv")
print("lalonde experimental", nsw[nsw.treat == 1].re78.mean() - nsw[nsw.treat == 0].re78.mean())
obs = pd.concat([nsw[nsw.treat == 1], cps])
print("lalonde obs n", len(obs), "naive", obs[obs.treat == 1].re78.mean() - obs[obs.treat == 0].re78.mean())
lrhs = "age + I(age**2) + educ + I(educ**2) + black + hisp + marr + nodegree + re74 + re75 + I(re74**2) + I(re75**2)"
ps = smf.glm("treat ~ " + lrhs, data=obs, family=sm.families.Binomial()).fit()
e = ps.predict(obs).values
t, y = obs.treat.values, obs.re78.values
w1 = t / e; w0 = (1 - t) / (1 - e)
print("lalonde ipw hajek ate %.6f" % ((w1 * y).sum() / w1.sum() - (w0 * y).sum() / w0.sum()))
wa = (1 - t) * e / (1 - e)
print("lalonde ipw hajek att %.6f" % (y[t == 1].mean() - (wa * y).sum() / wa.sum()))
