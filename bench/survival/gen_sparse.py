# A seeded synthetic wide sparse survival problem, written as raw little-endian arrays for
# crates/mlhc-surv/examples/coxnet_bench.rs and bench/survival/coxnet_sparse.py.
#   gen_sparse.py N P OUT_DIR
# Column j is present (value 1, or a count 1-5 for every 10th column) in a row with probability
# 0.2 * (j + 1) ** -0.6 (code-like prevalence); the first 20 columns carry effects; integer-day times
# (ties) with about 30% censoring.
import os, sys
import numpy as np
import scipy.sparse as sp

n, p, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
prev = 0.2 * (np.arange(p) + 1.0) ** -0.6
cols, rows, vals = [], [], []
for j in range(p):
    r = np.flatnonzero(rng.random(n) < prev[j])
    rows.append(r); cols.append(np.full(r.size, j)); 
    vals.append(rng.integers(1, 6, r.size).astype(np.float32) if j % 10 == 9 else np.ones(r.size, np.float32))
X = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, p), dtype=np.float32)
X.sort_indices()
beta = np.zeros(p); beta[:20] = rng.normal(0, 0.5, 20)
eta = X @ beta
t = np.ceil(rng.exponential(200 * np.exp(-eta)))
c = np.ceil(rng.exponential(500, n))
time = np.minimum(t, c).astype(np.float64); event = (t <= c).astype(np.uint8)
time.tofile(f"{out}/time.f64"); event.tofile(f"{out}/event.u8")
X.indptr.astype(np.uint64).tofile(f"{out}/indptr.u64"); X.indices.astype(np.uint32).tofile(f"{out}/indices.u32")
X.data.astype(np.float32).tofile(f"{out}/data.f32")
open(f"{out}/p.txt", "w").write(str(p))
print(f"{n} rows, {p} columns, {X.nnz} stored entries, {event.mean():.3f} events")
