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
