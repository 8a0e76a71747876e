"""Runs every detector on each record in its own process, writes detections as WFDB annotations,
scores them with `mlhc signal score`, and prints time, throughput, peak memory and Se/PPV.

mlhc is timed twice: once per fresh `mlhc signal detect` process (its `detect_ms`, the detector's
first and only run in that process), and in one process over repeated runs (the `qrs_speed`
example, median of 15), which is how the Python detectors are timed (median of repeated calls in
one process)."""
import json
import os
import re
import statistics
import subprocess
import sys

mlhc, out = sys.argv[1], sys.argv[2]
qrs_speed = sys.argv[3] if len(sys.argv) > 3 else None
py = sys.executable
REPS = int(os.environ.get("REPS", "5"))

CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np, wfdb
record, method, ext, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sig, fields = wfdb.rdsamp(record, channels=[0])
x = sig[:, 0].astype(float)
fs = fields["fs"]
if method == "xqrs":
    from wfdb import processing
    run = lambda: processing.xqrs_detect(sig=x, fs=fs, verbose=False)
else:
    import neurokit2 as nk
    def run():
        clean = nk.ecg_clean(x, sampling_rate=fs, method=method)
        _, info = nk.ecg_peaks(clean, sampling_rate=fs, method=method)
        return np.asarray(info["ECG_R_Peaks"])
times = []
for _ in range(reps):
    t = time.perf_counter()
    peaks = run()
    times.append(time.perf_counter() - t)
peaks = np.unique(np.asarray(peaks, dtype=np.int64))
wfdb.wrann(record.split("/")[-1], ext, peaks, symbol=["N"] * len(peaks), write_dir="/".join(record.split("/")[:-1]))
print(json.dumps({"times": times, "beats": int(len(peaks)), "n": int(len(x)),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_python(record, method, ext, reps):
    r = subprocess.run([py, "-c", CHILD, record, method, ext, str(reps)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_mlhc(record, method, ext, reps):
    times, peak = [], 0.0
    for _ in range(reps):
        r = subprocess.run(["/usr/bin/time", "-f", "%M", mlhc, "signal", "detect", record, "--method", method,
                            "--annotator", ext, "--json"], capture_output=True, text=True, check=True)
        v = json.loads(r.stdout)
        times.append(v["detect_ms"] / 1e3)
        peak = max(peak, int(r.stderr.strip().splitlines()[-1]) / 1024)
    return {"times": times, "beats": v["n_beats"], "n": v["n_samples"], "peak_mb": peak}


def run_in_process(record, method, reps):
    r = subprocess.run([qrs_speed, record, str(reps), "0", method], capture_output=True, text=True, check=True)
    m = re.search(r"(\d+) beats\s+median ([0-9.]+) ms", r.stdout)
    return int(m.group(1)), float(m.group(2)) / 1e3


def score(record, ext):
    r = subprocess.run([mlhc, "signal", "score", record, "--ref", "atr", "--test", ext, "--json"],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


records = [("100", True), ("synth24h", os.environ.get("XQRS_24H") == "1")]
tools = [("mlhc elgendi", "mlhc", "elgendi", "melg"), ("mlhc pantompkins", "mlhc", "pantompkins", "mpt"),
         ("neurokit2 neurokit", "py", "neurokit", "nknk"),
         ("neurokit2 pantompkins1985", "py", "pantompkins1985", "nkpt"), ("wfdb xqrs", "py", "xqrs", "xqrs")]
for name, with_xqrs in records:
    record = os.path.join(out, name)
    print(f"\n## {name}")
    print(f"{'detector':28} {'median s':>9} {'Msamples/s':>11} {'peak MB':>8} {'beats':>7} {'Se':>7} {'PPV':>7}")
    rows = {}
    for label, kind, method, ext in tools:
        if method == "xqrs" and not with_xqrs:
            continue
        reps = REPS if (name == "100" or kind == "mlhc") else 1
        if method == "xqrs":
            reps = 1 if name != "100" else 3
        res = (run_mlhc if kind == "mlhc" else run_python)(record, method, ext, reps)
        s = score(record, ext)
        med = statistics.median(res["times"])
        rows[label] = med
        print(f"{label:28} {med:9.4f} {res['n'] / med / 1e6:11.1f} {res['peak_mb']:8.0f} {res['beats']:7d} "
              f"{s['sensitivity']:7.4f} {s['ppv']:7.4f}")
        if kind == "mlhc" and qrs_speed:
            beats, warm = run_in_process(record, method, 15 if name == "100" else 5)
            rows[label + ", in process"] = warm
            print(f"{label + ', in process':28} {warm:9.4f} {res['n'] / warm / 1e6:11.1f} {'':>8} {beats:7d} "
                  f"{s['sensitivity']:7.4f} {s['ppv']:7.4f}")
    fastest_py = min(v for k, v in rows.items() if not k.startswith("mlhc"))
    best_mlhc = min(v for k, v in rows.items() if k.startswith("mlhc") and "in process" not in k)
    print(f"speed-up of the faster mlhc detector (fresh process) over the fastest Python detector: "
          f"{fastest_py / best_mlhc:.1f}x")
    warm = [v for k, v in rows.items() if "in process" in k]
    if warm:
        print(f"speed-up of the faster mlhc detector (in process, as Python is timed) over the fastest Python "
              f"detector: {fastest_py / min(warm):.1f}x")
    if "wfdb xqrs" in rows:
        print(f"speed-up over xqrs: {rows['wfdb xqrs'] / best_mlhc:.0f}x")
