# scikit-survival 0.23.1 CoxnetSurvivalAnalysis on the problem written by gen_sparse.py (its first COLUMNS
# columns, densified: Coxnet takes a dense array), on the columns divided by their sample sd, so that
# coef / sd is mlhc's coefficient. Prints fit time and coefficients as JSON.
#   coxnet_sparse.py DIR ALPHA L1_RATIO COLUMNS
import json, sys, time
import numpy as np
import scipy.sparse as sp
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.util import Surv

d, alpha, l1, cols = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
p = int(open(f"{d}/p.txt").read())
t = np.fromfile(f"{d}/time.f64"); e = np.fromfile(f"{d}/event.u8", dtype=np.uint8).astype(bool)
indptr = np.fromfile(f"{d}/indptr.u64", dtype=np.uint64).astype(np.int64)
X = sp.csr_matrix((np.fromfile(f"{d}/data.f32", dtype=np.float32), np.fromfile(f"{d}/indices.u32", dtype=np.uint32),
                   indptr), shape=(t.size, p))[:, :cols]
start = time.perf_counter()
Xd = X.toarray().astype(np.float64)
sd = Xd.std(axis=0, ddof=1)
Xd /= sd
cn = CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=l1, normalize=False, tol=1e-9, max_iter=1000000).fit(Xd, Surv.from_arrays(e, t))
fit_s = time.perf_counter() - start
coef = cn.coef_[:, 0] / sd
print(json.dumps({"fit_s": fit_s, "n_nonzero": int((coef != 0).sum()), "coef": coef.tolist()}))
