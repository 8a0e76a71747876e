"""Reference values for mlhc-surv's golden tests, from lifelines 0.30.3 and scikit-survival 0.23.1.

    bench/.venv-survival/bin/python bench/survival/golden.py
"""
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter, NelsonAalenFitter, WeibullAFTFitter
from lifelines import LogNormalAFTFitter, LogLogisticAFTFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import concordance_index, restricted_mean_survival_time

d = "testdata/survival/"
rossi = pd.read_csv(d + "rossi.csv")
np.set_printoptions(precision=10)

kmf = KaplanMeierFitter().fit(rossi.week, rossi.arrest)
print("KM rossi S(26,52)", kmf.survival_function_at_times([26, 52]).values)
print("KM rossi CI at 52", kmf.confidence_interval_.loc[52].values)
print("KM rossi median", kmf.median_survival_time_)
rm = restricted_mean_survival_time(kmf, t=52, return_variance=True)
print("RMST rossi tau=52", rm)
naf = NelsonAalenFitter().fit(rossi.week, rossi.arrest)
print("NA rossi H(52)", naf.cumulative_hazard_at_times([10, 52]).values, naf.confidence_interval_.loc[52].values)
naf2 = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(rossi.week, rossi.arrest)
print("NA nosmooth rossi H(52)", naf2.cumulative_hazard_at_times([10, 52]).values, naf2.confidence_interval_.loc[52].values)

w = pd.read_csv(d + "waltons_dataset.csv")
for g in ["miR-137", "control"]:
    k = KaplanMeierFitter().fit(w["T"][w.group == g], w.E[w.group == g])
    from lifelines.utils import median_survival_times
    print("waltons", g, "median", k.median_survival_time_, median_survival_times(k.confidence_interval_).values)
r = logrank_test(w["T"][w.group == "miR-137"], w["T"][w.group == "control"], w.E[w.group == "miR-137"], w.E[w.group == "control"])
print("waltons logrank", r.test_statistic, r.p_value)
r = multivariate_logrank_test(rossi.week, rossi.prio.clip(upper=3), rossi.arrest)
print("rossi logrank prio groups 0..3", r.test_statistic, r.p_value, r.degrees_of_freedom)

cph = CoxPHFitter().fit(rossi, "week", "arrest")
print("cox rossi efron", cph.params_.values, cph.standard_errors_.values, cph.concordance_index_, cph.log_likelihood_)
print("cox rossi efron baseline H0 at 10,52", cph.baseline_cumulative_hazard_.loc[[10, 52]].values.ravel())
print("cox rossi predict S(52) row0", cph.predict_survival_function(rossi.iloc[:2], times=[52]).values)
cph_b = CoxPHFitter(baseline_estimation_method="breslow").fit(rossi, "week", "arrest", robust=True)
print("cox rossi robust se", cph_b.standard_errors_.values)
cph_s = CoxPHFitter().fit(rossi, "week", "arrest", strata=["race"])
print("cox rossi strata race", cph_s.params_.values, cph_s.standard_errors_.values, cph_s.log_likelihood_, cph_s.concordance_index_)
rw = rossi.copy(); rw["w"] = 1 + (np.arange(len(rw)) % 3)
cph_w = CoxPHFitter().fit(rw, "week", "arrest", weights_col="w")
print("cox rossi weights 1+(i%3) robust", cph_w.params_.values, cph_w.standard_errors_.values, cph_w.log_likelihood_)
rc = rossi.copy(); rc["cl"] = np.arange(len(rc)) // 4
cph_c = CoxPHFitter().fit(rc, "week", "arrest", cluster_col="cl")
print("cox rossi cluster i//4", cph_c.params_.values, cph_c.standard_errors_.values)

lung = pd.read_csv(d + "lung.csv")
cl = CoxPHFitter().fit(lung[["time", "status", "age", "sex"]], "time", "status")
print("cox lung", cl.params_.values, cl.standard_errors_.values, cl.log_likelihood_)

print("concordance ties check", concordance_index([1, 1, 2, 3, 3], [1, 2, 2, 3, 1], [1, 0, 1, 1, 0]))

wf = WeibullAFTFitter().fit(rossi, "week", "arrest")
print("weibull", wf.params_, wf.standard_errors_, wf.log_likelihood_)
ln = LogNormalAFTFitter().fit(rossi, "week", "arrest")
print("lognormal", ln.params_.values, ln.standard_errors_.values, ln.log_likelihood_)
ll = LogLogisticAFTFitter().fit(rossi, "week", "arrest")
print("loglogistic", ll.params_.values, ll.standard_errors_.values, ll.log_likelihood_)

# lifelines' score residuals ignore ties (coxph_fitter.py: "TODO: doesn't handle ties"), so robust
# standard errors are compared on rossi with every tie broken (week + row * 1e-4).
rt = rossi.copy(); rt["week"] = rt.week + np.arange(len(rt)) * 1e-4
c = CoxPHFitter().fit(rt, "week", "arrest", robust=True)
print("cox rossi tie-broken robust", c.params_.values, c.standard_errors_.values)
rt["cl"] = np.arange(len(rt)) // 4
c = CoxPHFitter().fit(rt, "week", "arrest", cluster_col="cl")
print("cox rossi tie-broken cluster i//4", c.standard_errors_.values)
rt["w"] = 1 + (np.arange(len(rt)) % 3)
c = CoxPHFitter().fit(rt.drop(columns="cl"), "week", "arrest", weights_col="w", robust=True)
print("cox rossi tie-broken weights robust", c.params_.values, c.standard_errors_.values)
# The weighted fits stop early at lifelines' default precision (1e-7); tightened for the golden values.
tight = dict(precision=1e-12)
c = CoxPHFitter().fit(rt.drop(columns="cl"), "week", "arrest", weights_col="w", robust=True, fit_options=tight)
print("cox rossi tie-broken weights robust tight", c.params_.values, c.standard_errors_.values)
c = CoxPHFitter().fit(rw, "week", "arrest", weights_col="w", fit_options=tight)
print("cox rossi weights 1+(i%3) tight", c.params_.values, c.standard_errors_.values, c.log_likelihood_)
c = CoxPHFitter().fit(lung[["time", "status", "age", "sex"]], "time", "status", fit_options=tight)
print("cox lung tight", c.params_.values, c.standard_errors_.values, c.log_likelihood_)
c = CoxPHFitter(penalizer=0.1).fit(rossi, "week", "arrest", fit_options=tight)
print("cox rossi ridge 0.1 tight", c.params_.values, c.standard_errors_.values, c.concordance_index_, c.log_likelihood_)
# The parametric fitters stop (scipy BFGS) about 1e-5 from the optimum in the parameters and 1e-8 in the
# log-likelihood; their printed values are the reference, with that tolerance.
for F in (WeibullAFTFitter, LogNormalAFTFitter, LogLogisticAFTFitter):
    f = F().fit(rossi, "week", "arrest")
    print(F.__name__, f.params_.round(10).to_dict(), f.standard_errors_.round(10).to_dict(), f.log_likelihood_, f.concordance_index_)

# Direct log-likelihood of the log-logistic AFT at mlhc's estimate (lifelines' BFGS stops 1e-4 below it).
X = rossi[["fin", "age", "race", "wexp", "mar", "paro", "prio"]].values
v = [0.2888761393890148, 0.036365589097328545, -0.2791492592544156, 0.1784238146032213, 0.3473039773692923,
     0.05079816989695006, -0.06918224429737095, 3.9183041430310133, 0.4352007279461399]
a = np.exp(X @ np.array(v[:7]) + v[7]); b = np.exp(v[8]); t = rossi.week.values; e = rossi.arrest.values
logh = np.log(b) - np.log(a) + (b - 1) * np.log(t / a) - np.log1p((t / a) ** b)
print("log-logistic loglik at mlhc estimate", repr(np.sum(e * logh - np.log1p((t / a) ** b))))

# Martingale and deviance residuals (rows in the input order).
cph = CoxPHFitter().fit(rossi, "week", "arrest")
mres = cph.compute_residuals(rossi, "martingale").sort_index()
dres = cph.compute_residuals(rossi, "deviance").sort_index()
print("martingale rows 0..3", mres["martingale"].values[:4].tolist(), "sum", mres["martingale"].sum())
print("deviance rows 0..3", dres["deviance"].values[:4].tolist())

# Schoenfeld residuals (event rows, input order) and the proportional-hazards test. lifelines' "rank"
# transform numbers tied events by its (unstable) sort order, so the order-free transforms are compared.
from lifelines.statistics import proportional_hazard_test
sres = cph.compute_residuals(rossi, "schoenfeld").sort_index()
print("schoenfeld first rows", sres.index[:2].tolist(), sres.values[:2].tolist())
for tt in ["identity", "log", "km"]:
    res = proportional_hazard_test(cph, rossi, time_transform=tt)
    print("ph test", tt, res.test_statistic.tolist(), res.p_value.tolist())

# Elastic-net Cox: scikit-survival's CoxnetSurvivalAnalysis (Breslow ties) on rossi standardized with the
# sample standard deviation; mlhc's penalty n*penalizer*(l1_ratio*|b*sd| + (1-l1_ratio)/2*(b*sd)^2) on raw
# data is the same problem, with mlhc's coefficient times sd equal to sksurv's.
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.util import Surv
covs = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
Xs = (rossi[covs] - rossi[covs].mean()) / rossi[covs].std()
yr = Surv.from_arrays(rossi.arrest == 1, rossi.week)
for alpha, l1 in [(0.05, 1.0), (0.02, 0.5)]:
    cn = CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=l1, normalize=False, tol=1e-12, max_iter=1000000).fit(Xs.values, yr)
    print("coxnet", alpha, l1, cn.coef_[:, 0].tolist())

# Strata with robust standard errors (tie-broken rossi) and stratified start-stop data.
rt2 = rossi.copy(); rt2["week"] = rt2.week + np.arange(len(rt2)) * 1e-4
c = CoxPHFitter().fit(rt2, "week", "arrest", strata=["race"], robust=True)
print("cox tie-broken strata race robust", c.params_.values.tolist(), c.standard_errors_.values.tolist())
from lifelines import CoxTimeVaryingFitter
sh = pd.read_csv(d + "stanford_heart.csv")
c = CoxTimeVaryingFitter().fit(sh, id_col="id", event_col="event", start_col="start", stop_col="stop", strata=["surgery"])
print("ctv strata surgery", c.params_.values.tolist(), c.standard_errors_.values.tolist(), c.log_likelihood_)
