"""Generates the synthetic study, runs EconML and mlhc on it (separate processes, /usr/bin/time -v for
wall time and peak memory), checks that the estimates agree and prints the ratios."""
import json, os, statistics, subprocess, sys

mlhc, n, reps, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
nuisances = sys.argv[5] if len(sys.argv) > 5 else "linear"
py = sys.executable
here = os.path.dirname(os.path.abspath(__file__))

if not os.path.exists(path):
    import numpy as np, pandas as pd
    rng = np.random.default_rng(1)
    p = 20
    X = rng.standard_normal((n, p))
    a = np.r_[0.5, 0.5, 0.3, -0.3, np.zeros(p - 4)]
    b = np.r_[1.0, 0.5, 0.5, 0.5, -0.5, np.full(p - 5, 0.1)]
    e = 1 / (1 + np.exp(-(X @ a)))
    t = (rng.uniform(size=n) < e).astype(int)
    y = 1 + t * (2 + 0.5 * X[:, 0]) + X @ b + rng.standard_normal(n)
    df = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(p)])
    df.insert(0, "y", y)
    df.insert(0, "t", t)
    df.to_csv(path, index=False, float_format="%.6f")


def timed(cmd):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, check=True)
    wall = rss = None
    for line in r.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            v = line.split(": ", 1)[1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(v)))
        if line.startswith("Maximum resident set size"):
            rss = int(line.split(": ")[1]) / 1024
    return json.loads(r.stdout), wall, rss


def runs(cmd):
    out = [timed(cmd) for _ in range(reps)]
    return out[-1][0], statistics.median(o[1] for o in out), statistics.median(o[2] for o in out)


if nuisances == "gbdt":
    # Boosted trees on both sides (LightGBM in EconML, mlhc-learn in mlhc), same sizes.
    common = [mlhc, "causal", "estimate", path, "--treatment", "t", "--outcome", "y", "--propensity", "gbdt",
              "--outcome-model", "gbdt", "--folds", "5", "--json"]
    tools = [("EconML 0.17.0 DRLearner (LightGBM)", [py, f"{here}/econml_run.py", path, "gbdt"]),
             ("mlhc causal estimate --estimator drlearner", common + ["--estimator", "drlearner"])]
else:
    common = [mlhc, "causal", "estimate", path, "--treatment", "t", "--outcome", "y", "--outcome-model", "linear",
              "--propensity-lambda", "0", "--folds", "5", "--json"]
    tools = [("EconML 0.17.0 LinearDRLearner", [py, f"{here}/econml_run.py", path, "linear"]),
             ("EconML 0.17.0 DRLearner", [py, f"{here}/econml_run.py", path, "dr"]),
             ("mlhc causal estimate --estimator aipw", common + ["--estimator", "aipw"]),
             ("mlhc causal estimate --estimator drlearner", common + ["--estimator", "drlearner"])]
print(f"{n} rows x 20 covariates, true ATE 2, {nuisances} nuisances; medians of {reps} runs; wall time of each "
      "whole process (CSV read included)")
print(f"{'tool':<42} {'ATE':>8} {'95% CI':>19} {'wall s':>8} {'peak MiB':>9}")
res = {}
for name, cmd in tools:
    est, wall, rss = runs(cmd)
    res[name] = (est, wall, rss)
    fit = f" (fit alone {est['fit_seconds']:.2f} s)" if "fit_seconds" in est else ""
    print(f"{name:<42} {est['estimate']:>8.4f} [{est['ci_low']:>8.4f}, {est['ci_high']:>8.4f}] {wall:>8.2f} {rss:>9.0f}{fit}")
names = list(res)
e, m = res[names[0]], res[names[-1]]
se = (m[0]["ci_high"] - m[0]["ci_low"]) / (2 * 1.96)
diff = abs(e[0]["estimate"] - m[0]["estimate"])
print(f"|ATE difference| {names[0]} vs mlhc: {diff:.4f} ({diff / se:.2f} standard errors)")
assert diff < 3 * se, "estimates disagree beyond Monte Carlo error"
for a, b in zip(names[: len(names) // 2], names[len(names) // 2:]):
    print(f"speed-up {b} vs {a}: {res[a][1] / res[b][1]:.1f}x wall, peak memory {res[a][2] / res[b][2]:.1f}x lower")
