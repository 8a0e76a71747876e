"""Seeded synthetic binary problem as scipy CSR npz: absent entries are *missing*, some missing not at
random, some explicit zeros. Usage: gen.py OUT_DIR N_ROWS SEED."""
import sys
import numpy as np
import scipy.sparse as sp

from npz import save_csr, savez

out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
p = 40
n_total = n + 100_000  # the last 100k rows are the test set
x = rng.normal(size=(n_total, p)).astype(np.float32)
x[:, 30:35] = np.round(x[:, 30:35])  # few distinct values, many explicit zeros
logit = (1.2 * x[:, 0] - 0.8 * x[:, 1] ** 2 + 0.8 * np.sin(2 * x[:, 2]) + 0.6 * x[:, 3] * x[:, 4]
         + 0.5 * (x[:, 5] > 0.5) + 0.4 * x[:, 30] + 0.3 * x[:, 6:12].sum(axis=1) / np.sqrt(6))
observed = rng.random((n_total, p)) < np.linspace(0.3, 1.0, p)[None, :]
# Features 36-39 are missing not at random: observed less often when the hidden logit is high.
h = 1 / (1 + np.exp(-logit))
for j in range(36, 40):
    observed[:, j] = rng.random(n_total) < 0.9 - 0.6 * h
y = (rng.random(n_total) < 1 / (1 + np.exp(-(logit - 0.3)))).astype(np.float64)
x_obs = sp.csr_matrix((x[observed], np.nonzero(observed)), shape=(n_total, p), dtype=np.float32)
x_obs.sort_indices()


# An explicit 0 in the data stays stored (it is an observed value, not an absence).
save_csr(f"{out}/x_train.npz", x_obs[:n])
save_csr(f"{out}/x_test.npz", x_obs[n:])
savez(f"{out}/y.npz", y_train=y[:n], y_test=y[n:])
print(f"rows {n} + test 100000, features {p}, nnz/row {x_obs.nnz / n_total:.1f}, positives {y.mean():.3f}")
