# Golden values for crates/mlhc-eval/tests/golden.rs. Run: pip install scikit-learn==1.5.2 fairlearn==0.12.0; python golden_eval.py
import numpy as np, sklearn, fairlearn, warnings
from sklearn.metrics import roc_auc_score, average_precision_score, brier_score_loss, log_loss
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
warnings.filterwarnings("ignore")
n = 60
i = np.arange(n)
y = ((i * 7) % 11 < 4).astype(float)
p = ((i * 13) % 17) / 17 * 0.9 + 0.05
g = np.array(["A", "B", "C"])[i % 3]
print("sklearn", sklearn.__version__, "fairlearn", fairlearn.__version__)
print("auroc", repr(roc_auc_score(y, p)))
print("ap", repr(average_precision_score(y, p)))
print("brier", repr(brier_score_loss(y, p)))
print("logloss", repr(log_loss(y, p)))
pt, pp = calibration_curve(y, p, n_bins=10)
print("cal_true", [float(x) for x in pt]); print("cal_pred", [float(x) for x in pp])
x = np.log(p / (1 - p)).reshape(-1, 1)
m = LogisticRegression(penalty=None, tol=1e-12, max_iter=10000).fit(x, y)
print("slope", repr(float(m.coef_[0][0])), "slope_model_intercept", repr(float(m.intercept_[0])))
yp = (p >= 0.5).astype(float)
print("dp", repr(demographic_parity_difference(y, yp, sensitive_features=g)))
print("eo", repr(equalized_odds_difference(y, yp, sensitive_features=g)))

# Calibration slope from a far start (crates/mlhc-eval/tests/golden.rs calibration_slope_converges_from_far_away).
i = np.arange(200)
p2 = 0.08 + 0.04 * ((i * 37) % 101) / 100.0
y2 = ((((i * 37) % 101) < 30) & (i % 3 != 0)).astype(float)
m2 = LogisticRegression(penalty=None, tol=1e-12, max_iter=100000).fit(np.log(p2 / (1 - p2)).reshape(-1, 1), y2)
print("far_slope", repr(float(m2.coef_[0][0])))
