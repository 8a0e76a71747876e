"""Times mlhc and lifelines (and scikit-survival) Cox PH fits (Efron ties) on the same tables, checks that
the coefficients agree, and prints wall time, peak memory and the ratios.

    python compare.py MLHC OUT_DIR [CASE_SUBSTRING]
"""
import json
import os
import statistics
import subprocess
import sys
import time

mlhc, out = sys.argv[1], sys.argv[2]
only = sys.argv[3] if len(sys.argv) > 3 else ""
py = sys.executable
SUPPORT2 = "age,sex,num.co,diabetes,dementia,ca,meanbp,hrt,resp,temp,wblc,sod,crea"
CASES = [
    # name, file, duration, event, covariates (None = all others), mlhc runs, anchors (at most 3 runs;
    # one at 1M, where each takes 15-20 s)
    ("rossi 432x7", "testdata/survival/rossi.csv", "week", "arrest", None, 5, ["lifelines", "sksurv"]),
    ("SUPPORT2 8873x14", "testdata/survival/support2_cc.csv.gz", "d.time", "death", SUPPORT2, 5, ["lifelines", "sksurv"]),
    ("synthetic 100k x 50", f"{out}/synth_100k_50.parquet", "days", "event", None, 5, ["lifelines", "sksurv"]),
    ("synthetic 1M x 50", f"{out}/synth_1m_50.parquet", "days", "event", None, 5, ["lifelines"]),
]


def timed(cmd):
    """Runs cmd under GNU time; returns (stdout, wall seconds, peak RSS MiB)."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    kb = r.stderr.strip().splitlines()[-1]
    return r.stdout, wall, int(kb) / 1024


def norm(name):
    return name.replace("[T.", "_").rstrip("]")


print(f"{'problem':<22} {'tool':<10} {'wall s':>8} {'fit s':>8} {'peak MiB':>9} {'max|dcoef|':>11} {'wall ratio':>10} {'fit ratio':>10}")
for name, path, dur, ev, covs, runs, anchors in CASES:
    if only not in name:
        continue
    cmd = [mlhc, "surv", "cox", path, "--duration", dur, "--event", ev, "--json"]
    if covs:
        cmd += ["--covariates", covs]
    walls, mems = [], []
    # Every tool gets one untimed run first (like hyperfine's --warmup): on a VM that hands freed memory
    # back to its host, a process that follows one which freed gigabytes pays for faulting it in again.
    timed(cmd)
    for _ in range(runs):
        stdout, wall, mem = timed(cmd)
        walls.append(wall)
        mems.append(mem)
    res = json.loads(stdout)
    print(f"{name}: mlhc runs {', '.join(f'{w:.2f}' for w in walls)} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    ours = {norm(c["name"]): c["coef"] for c in res["coefficients"]}
    m_wall = statistics.median(walls)
    print(f"{name:<22} {'mlhc':<10} {m_wall:>8.2f} {'':>8} {max(mems):>9.0f} {'':>11}")
    for tool in anchors:
        a_runs = 1 if "1M" in name else min(runs, 3)
        a_walls, a_fits, a_mems = [], [], []
        acmd = [py, "bench/survival/fit_lifelines.py", tool, path, dur, ev] + ([covs] if covs else [])
        timed(acmd)
        for _ in range(a_runs):
            stdout, wall, mem = timed(acmd)
            r = json.loads(stdout)
            a_walls.append(wall)
            a_fits.append(r["fit_seconds"])
            a_mems.append(mem)
        theirs = dict(zip(r["names"], r["coef"]))
        diff = max(abs(ours[k] - theirs[k]) for k in theirs)
        w, f = statistics.median(a_walls), statistics.median(a_fits)
        print(f"{'':<22} {tool:<10} {w:>8.2f} {f:>8.2f} {max(a_mems):>9.0f} {diff:>11.1e} {w / m_wall:>9.1f}x {f / m_wall:>9.1f}x"
              f"  (load {os.getloadavg()[0]:.1f})", flush=True)
print("wall: whole process (start, read, fit, print), median of runs after one untimed run; fit: the anchor's fit call alone;")
print("ratios divide the anchor's wall time and its fit time by mlhc's wall time (mlhc's includes reading).")
