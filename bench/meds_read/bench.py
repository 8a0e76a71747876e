"""Read one MEDS dataset with mlhc, pyarrow and polars; compare time, peak memory and answers.

Each read runs in a fresh process (so peak RSS is that reader's alone); the process reports the seconds
its read took (imports and interpreter start excluded) and what it read, and this harness takes the
process's peak RSS from os.wait4. Run through run.sh, which builds everything first.

The three read the same four MEDS columns (subject_id, time, code, numeric_value) of every shard into
memory, each by its fastest path to columnar arrays:
  mlhc     Dataset::open(dir).load(): i64 times, u32 code ids into one vocabulary, f32 values + validity
  pyarrow  pq.read_table(all shards, use_threads=True, read_dictionary=["code"]): codes as a dictionary,
           the same layout as mlhc's code ids
  polars   pl.read_parquet(all shards): codes as strings (polars has no cheaper path to a categorical)
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

COLUMNS = ["subject_id", "time", "code", "numeric_value"]


def shard_files(root):
    return sorted(glob.glob(os.path.join(root, "data", "**", "*.parquet"), recursive=True))


def worker(tool, root):
    """Reads the dataset with `tool` and prints one JSON line (runs in its own process)."""
    files = shard_files(root)
    if tool == "pyarrow":
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        start = time.perf_counter()
        table = pq.read_table(files, columns=COLUMNS, use_threads=True, read_dictionary=["code"])
        seconds = time.perf_counter() - start
        values = table.column("numeric_value")
        out = {
            "events": table.num_rows,
            "numeric_count": values.length() - values.null_count,
            "numeric_sum": pc.sum(pc.cast(values, "float64")).as_py(),
        }
    elif tool == "polars":
        import polars as pl

        start = time.perf_counter()
        df = pl.read_parquet(files, columns=COLUMNS)
        seconds = time.perf_counter() - start
        values = df.get_column("numeric_value")
        out = {
            "events": df.height,
            "numeric_count": values.len() - values.null_count(),
            "numeric_sum": values.cast(pl.Float64).sum(),
        }
    elif tool in ("pyarrow-import", "polars-import"):
        # Peak RSS of the interpreter with the library imported and nothing read: the fixed cost.
        __import__("pyarrow.parquet" if tool == "pyarrow-import" else "polars")
        seconds = 0.0
        out = {}
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    out["seconds"] = seconds
    print(json.dumps(out))


def run_once(cmd):
    """Runs `cmd`, returns (parsed JSON stdout, wall seconds, peak RSS in MiB, CPU seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {status}")
    # ru_maxrss is in KiB on Linux. CPU seconds (user + system) count the work of all threads; unlike wall
    # time they barely move when other processes share the machine.
    return json.loads(stdout), wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mlhc-reader", required=True, help="path of the read_bench example binary")
    ap.add_argument("--json-out", help="also write the results here")
    ap.add_argument("dataset")
    args = ap.parse_args()

    files = shard_files(args.dataset)
    size_mb = sum(os.path.getsize(f) for f in files) / 2**20
    me = [sys.executable, os.path.abspath(__file__), "worker"]
    tools = {
        "mlhc": [args.mlhc_reader, args.dataset],
        "pyarrow": me + ["pyarrow", args.dataset],
        "polars": me + ["polars", args.dataset],
    }
    # One untimed read first, so every tool meets the same warm page cache.
    run_once(tools["mlhc"])
    # Round-robin, so that a busy spell on a shared machine hits every tool alike.
    all_runs = {name: [] for name in tools}
    for _ in range(args.repeats):
        for name, cmd in tools.items():
            all_runs[name].append(run_once(cmd))
    results = {}
    for name, runs in all_runs.items():
        results[name] = {
            "events": runs[0][0]["events"],
            "numeric_count": runs[0][0]["numeric_count"],
            "numeric_sum": runs[0][0]["numeric_sum"],
            "read_seconds": statistics.median(r[0]["seconds"] for r in runs),
            "process_seconds": statistics.median(r[1] for r in runs),
            "peak_rss_mib": max(r[2] for r in runs),
            "process_cpu_seconds": statistics.median(r[3] for r in runs),
        }
    for lib in ("pyarrow", "polars"):
        _, _, rss, _ = run_once(me + [f"{lib}-import", args.dataset])
        results[lib]["import_only_rss_mib"] = rss

    m = results["mlhc"]
    print(f"dataset {args.dataset}: {m['events']:,} events, {len(files)} shards, {size_mb:.0f} MiB of Parquet")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} at the end (times are only comparable on an")
    print(f"otherwise idle machine); median of {args.repeats} runs, each in a fresh process")
    print(f"{'reader':<9}{'read s':>9}{'process s':>11}{'CPU s':>8}{'peak RSS MiB':>14}{'  (import only)':>16}")
    for name, r in results.items():
        base = f"{r['import_only_rss_mib']:>14.0f}" if "import_only_rss_mib" in r else f"{'':>14}"
        print(
            f"{name:<9}{r['read_seconds']:>9.3f}{r['process_seconds']:>11.3f}{r['process_cpu_seconds']:>8.2f}"
            f"{r['peak_rss_mib']:>14.0f}  {base}"
        )
    for name in ("pyarrow", "polars"):
        r = results[name]
        print(
            f"{name}/mlhc: read time {r['read_seconds'] / m['read_seconds']:.2f}x, "
            f"process time {r['process_seconds'] / m['process_seconds']:.2f}x, "
            f"CPU time {r['process_cpu_seconds'] / m['process_cpu_seconds']:.2f}x, "
            f"peak RSS {r['peak_rss_mib'] / m['peak_rss_mib']:.2f}x"
        )

    ok = True
    for name, r in results.items():
        rel = abs(r["numeric_sum"] - m["numeric_sum"]) / max(abs(m["numeric_sum"]), 1.0)
        agree = r["events"] == m["events"] and r["numeric_count"] == m["numeric_count"] and rel < 1e-9
        ok &= agree
        print(
            f"check {name}: events {r['events']:,}, numeric values {r['numeric_count']:,}, "
            f"sum {r['numeric_sum']:.6e} (rel. diff {rel:.1e}) {'ok' if agree else 'MISMATCH'}"
        )
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"dataset": args.dataset, "shards": len(files), "results": results}, f, indent=2)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
