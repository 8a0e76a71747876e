"""Compares `mlhc tabularize --anchor last-event` with meds-tab 0.2.0 cell by cell, and mlhc with a
brute-force reference computed here with polars.

Usage:
  compare.py --meds MEDS_DIR --labels LABEL_DIR --mlhc MLHC_OUT --medstab NAME=MEDSTAB_OUT[:MODE] ...
             [--windows 1d,7d,30d,365d,full] [--min-count 10] [--json OUT.json]

LABEL_DIR is what make_labels.py wrote (labels.parquet, by_shard/). MODE is `labels` (meds-tab's
tabularize-static / tabularize-time-series run with input_label_dir: one matrix row per label row of
by_shard/<split>/<shard>.parquet) or `cache` (tabularized at every event, then meds-tab-cache-task:
rows are MEDSTAB_OUT/task/labels/<split>/<shard>.parquet).

Cells are keyed by (subject_id, prediction_time, feature name); only features and rows present on both
sides are compared. meds-tab cannot store an observed 0 (it drops zeros and NaNs when writing), so an
absent entry counts as 0 on both sides. Counts must be equal; values are compared with a relative
tolerance of 1e-5 (both sides are float32).
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

AGGS = ["static/present", "static/first", "code/count", "value/count", "value/sum", "value/sum_sqd",
        "value/min", "value/max"]
RTOL = 1e-5


def agg_of(name: str) -> str:
    parts = name.split("/")
    tail2 = "/".join(parts[-2:])
    if tail2 in ("static/present", "static/first"):
        return tail2
    return "/".join(parts[-3:-1])


def cells_frame(keys: pl.DataFrame, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                names: list[str]) -> pl.DataFrame:
    """Long cells: subject_id, prediction_time (µs), feature, value."""
    return pl.DataFrame({
        "subject_id": keys["subject_id"].to_numpy()[rows],
        "prediction_time": keys["prediction_time"].to_numpy()[rows],
        "feature": np.asarray(names, dtype=object)[cols] if len(cols) else np.array([], dtype=object),
        "value": vals.astype(np.float64),
    }, schema={"subject_id": pl.Int64, "prediction_time": pl.Int64, "feature": pl.String,
               "value": pl.Float64})


def load_mlhc(out: Path):
    space = json.loads((out / "feature_space.json").read_text())
    names = space["names"]
    key_parts, cell_parts = [], []
    for split in space["splits"]:
        m = sp.load_npz(out / split / "features.npz").tocoo()
        r = np.load(out / split / "rows.npz")
        keys = pl.DataFrame({"subject_id": r["subject_id"], "prediction_time": r["prediction_time"]})
        key_parts.append(keys)
        cell_parts.append(cells_frame(keys, m.row, m.col, m.data, names))
    return names, pl.concat(key_parts), pl.concat(cell_parts), space


def medstab_feature_columns(out: Path, min_count: int) -> tuple[list[str], set[str]]:
    """meds-tab 0.2.0's matrix columns and the included ones. Its filtered code list is written over
    metadata/codes.parquet only when that file is absent (rwlock with in = out), so the matrices keep
    one column per described code and the excluded codes' columns stay empty."""
    codes = pl.read_parquet(out / "metadata" / "codes.parquet")
    included = set(codes.filter(pl.col("count") >= min_count)["code"].to_list())
    return sorted(codes["code"].to_list()), included


def load_medstab(out: Path, mode: str, labels: Path, min_count: int):
    """Returns (expected feature names, row keys, cells, notes)."""
    fcols, included = medstab_feature_columns(out, min_count)
    groups = {
        "static/present": [c for c in fcols if c.endswith("static/present")],
        "static/first": [c for c in fcols if c.endswith("static/first")],
        "code": [c for c in fcols if c.endswith("/code")],
        "value": [c for c in fcols if c.endswith("/value")],
    }
    base = out / ("tabularize" if mode == "labels" else "task/task_cache")
    names_all: set[str] = set()
    key_parts, cell_parts = [], []
    notes = []
    for shard_dir in sorted({p.parent.parent.parent for p in base.glob("**/*.npz")}):
        rel = shard_dir.relative_to(base)
        if mode == "labels":
            lab = pl.read_parquet(labels / "by_shard" / rel.parent / f"{rel.name}.parquet")
            tcol = "prediction_time"
        else:
            lab = pl.read_parquet(out / "task" / "labels" / rel.parent / f"{rel.name}.parquet")
            tcol = "time"
        keys = lab.select(
            pl.col("subject_id").cast(pl.Int64),
            pl.col(tcol).dt.cast_time_unit("us").dt.epoch("us").alias("prediction_time"),
        )
        key_parts.append(keys)
        for f in sorted(shard_dir.glob("*/*/*.npz")):
            window, kind, agg = f.relative_to(shard_dir).with_suffix("").parts
            z = np.load(f)
            arr, shape = z["array"], tuple(z["shape"])
            if shape[0] != keys.height:
                notes.append(f"{rel}/{window}/{kind}/{agg}: {shape[0]} rows but {keys.height} labels")
            if kind == "static":
                base_names = groups[f"static/{agg}"]
                names = base_names
            else:
                base_names = groups[kind]
                names = [f"{c}/{agg}/{window}" for c in base_names]
            if shape[1] != len(names):
                notes.append(f"{rel}/{window}/{kind}/{agg}: {shape[1]} columns, expected {len(names)}")
            names_all.update(n for n, c in zip(names, base_names) if c in included)
            if arr.shape[1]:
                data, row, col = arr[0], arr[1].astype(np.int64), arr[2].astype(np.int64)
                stray = sum(1 for c in set(col.tolist()) if base_names[c] not in included)
                if stray:
                    notes.append(f"{rel}/{window}/{kind}/{agg}: {stray} excluded codes have entries")
                cell_parts.append(cells_frame(keys, row, col, data, names))
    cells = pl.concat(cell_parts) if cell_parts else cells_frame(
        pl.DataFrame({"subject_id": [], "prediction_time": []}), np.array([], int), np.array([], int),
        np.array([]), [])
    return sorted(names_all), pl.concat(key_parts), cells, notes


def compare_cells(a: pl.DataFrame, b: pl.DataFrame, features: set[str], keys: pl.DataFrame):
    """Mismatches per aggregation between two long cell frames, over `features` × `keys`."""
    feat = pl.DataFrame({"feature": sorted(features)})
    k = keys.unique()

    def restrict(df):
        return df.join(feat, on="feature", how="semi").join(k, on=["subject_id", "prediction_time"],
                                                            how="semi")

    j = restrict(a).rename({"value": "a"}).join(
        restrict(b).rename({"value": "b"}), on=["subject_id", "prediction_time", "feature"],
        how="full", coalesce=True)
    j = j.with_columns(pl.col("a").fill_null(0.0), pl.col("b").fill_null(0.0))
    j = j.with_columns(pl.col("feature").map_elements(agg_of, return_dtype=pl.String).alias("agg"))
    bad = j.filter((pl.col("a") - pl.col("b")).abs() > RTOL * pl.max_horizontal(
        pl.col("a").abs(), pl.col("b").abs(), pl.lit(1e-30)))
    by_agg = Counter(bad["agg"].to_list())
    kinds = bad.with_columns(kind=pl.when(pl.col("b") == 0).then(pl.lit("only_a"))
                             .when(pl.col("a") == 0).then(pl.lit("only_b"))
                             .otherwise(pl.lit("differ")))
    detail = {agg: dict(Counter(kinds.filter(pl.col("agg") == agg)["kind"].to_list())) for agg in by_agg}
    cells_per_agg = Counter(agg_of(f) for f in features)
    n_rows = k.height
    return {
        "cells": n_rows * len(features),
        "cells_by_agg": {a: n_rows * c for a, c in cells_per_agg.items()},
        "mismatch_by_agg": dict(by_agg),
        "mismatch_kinds": detail,
        "examples": bad.head(5).to_dicts(),
    }


def brute_force(meds: Path, labels: pl.DataFrame, codes: set[str], windows: list[str]) -> pl.DataFrame:
    """Every cell recomputed directly: windows (t_last − w, t_last], t_last = the subject's last timed
    event of an included code at or before the prediction time; static/first = the first static
    event with a value."""
    lab = labels.select("subject_id", pl.col("prediction_time").dt.cast_time_unit("us").dt.epoch("us"))
    code_df = pl.DataFrame({"code": sorted(codes)})
    out = []
    for shard in sorted((meds / "data").glob("**/*.parquet")):
        ev = (pl.scan_parquet(shard).select("subject_id", "time", "code", "numeric_value")
              .with_row_index("ord")
              .with_columns(pl.col("time").dt.cast_time_unit("us").dt.epoch("us").alias("t"),
                            pl.col("numeric_value").cast(pl.Float64))
              .with_columns(v=pl.when(pl.col("numeric_value").is_finite()).then("numeric_value"))
              .collect())
        ev = ev.join(lab.select(pl.col("subject_id").unique()), on="subject_id", how="semi")
        st = ev.filter(pl.col("t").is_null()).join(code_df, on="code", how="semi")
        s = lab.join(st, on="subject_id")
        out.append(s.group_by("subject_id", "prediction_time", "code").agg(pl.lit(1.0).alias("value"))
                   .with_columns(feature=pl.col("code") + "/static/present"))
        first = (s.filter(pl.col("v").is_not_null()).sort("ord")
                 .group_by("subject_id", "prediction_time", "code").agg(pl.col("v").first().alias("value")))
        out.append(first.with_columns(feature=pl.col("code") + "/static/first"))
        tev = ev.filter(pl.col("t").is_not_null())
        j = lab.join(tev, on="subject_id").filter(pl.col("t") <= pl.col("prediction_time"))
        # Only events of included codes exist for the windows (and anchor them), as in meds-tab.
        j = j.join(code_df, on="code", how="semi")
        j = j.with_columns(t_last=pl.col("t").max().over("subject_id", "prediction_time"))
        for w in windows:
            jw = j if w == "full" else j.filter(
                pl.col("t") > pl.col("t_last") - int(w[:-1]) * 86_400_000_000)
            g = jw.group_by("subject_id", "prediction_time", "code").agg(
                (pl.len().cast(pl.Float64)).alias("code/count"),
                pl.col("v").count().cast(pl.Float64).alias("value/count"),
                pl.col("v").sum().alias("value/sum"),
                (pl.col("v") ** 2).sum().alias("value/sum_sqd"),
                pl.col("v").min().alias("value/min"),
                pl.col("v").max().alias("value/max"),
                pl.col("v").count().alias("_n"),
            )
            for agg in ["code/count", "value/count", "value/sum", "value/sum_sqd", "value/min", "value/max"]:
                gg = g if agg == "code/count" else g.filter(pl.col("_n") > 0)
                out.append(gg.select("subject_id", "prediction_time", "code", pl.col(agg).alias("value"))
                           .with_columns(feature=pl.col("code") + f"/{agg}/{w}"))
    return pl.concat([o.select("subject_id", "prediction_time", "feature", "value") for o in out])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--meds", type=Path, required=True)
    ap.add_argument("--labels", type=Path, required=True)
    ap.add_argument("--mlhc", type=Path, required=True)
    ap.add_argument("--medstab", action="append", default=[])
    ap.add_argument("--windows", default="1d,7d,30d,365d,full")
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    windows = a.windows.split(",")
    assert all(w == "full" or w.endswith("d") for w in windows), "brute force handles day windows only"
    report = {"dataset": a.name}
    names, keys, cells, space = load_mlhc(a.mlhc)
    labels = pl.read_parquet(a.labels / "labels.parquet")
    report["rows"] = keys.height
    report["mlhc_features"] = len(names)
    report["mlhc_explicit_zeros"] = cells.filter(pl.col("value") == 0).height
    # 1. mlhc against the brute-force reference, every feature and row.
    codes = {c["code"] for c in space["space"]["codes"]}
    ref = brute_force(a.meds, labels, codes, windows)
    report["brute_force"] = compare_cells(cells, ref, set(names), keys)
    ref_names = set(ref["feature"].unique().to_list())
    report["brute_force"]["features_observed_but_not_in_mlhc"] = len(ref_names - set(names))
    # 2. mlhc against each meds-tab run.
    report["medstab"] = {}
    for spec in a.medstab:
        label, rest = spec.split("=", 1)
        path, _, mode = rest.partition(":")
        mnames, mkeys, mcells, notes = load_medstab(Path(path), mode or "labels", a.labels, a.min_count)
        common = set(names) & set(mnames)
        only_m = set(mnames) - set(names)
        only_l = set(names) - set(mnames)
        ckeys = keys.join(mkeys.unique(), on=["subject_id", "prediction_time"], how="semi")
        r = compare_cells(cells, mcells, common, ckeys)
        r.update({
            "medstab_rows": mkeys.height, "common_rows": ckeys.height,
            "medstab_features": len(mnames), "common_features": len(common),
            "only_medstab": dict(Counter(agg_of(n) for n in only_m)),
            "only_mlhc": dict(Counter(agg_of(n) for n in only_l)),
            "only_medstab_examples": sorted(only_m)[:5], "only_mlhc_examples": sorted(only_l)[:5],
            "notes": notes[:10],
        })
        report["medstab"][label] = r
    print_report(report)
    if a.json:
        a.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


def print_report(r: dict) -> None:
    print(f"== {r['dataset']}: {r['rows']} rows, {r['mlhc_features']} mlhc features, "
          f"{r['mlhc_explicit_zeros']} observed zeros stored by mlhc")
    bf = r["brute_force"]
    print(f"  mlhc vs brute force: {bf['cells']} cells, mismatches "
          + (", ".join(f"{k}={v}" for k, v in sorted(bf["mismatch_by_agg"].items())) or "none")
          + f"; observed features missing from mlhc: {bf['features_observed_but_not_in_mlhc']}")
    for label, m in r["medstab"].items():
        print(f"  mlhc vs meds-tab [{label}]: rows {m['common_rows']} of {r['rows']} (meds-tab {m['medstab_rows']}),"
              f" features {m['common_features']} common (meds-tab {m['medstab_features']}), cells {m['cells']}")
        if m["only_mlhc"] or m["only_medstab"]:
            print(f"    features only in mlhc: {m['only_mlhc']}  only in meds-tab: {m['only_medstab']}")
        print(f"    {'aggregation':<16}{'cells':>12}{'mismatches':>12}  kinds (only_a = mlhc only)")
        for agg in AGGS:
            if agg in m["cells_by_agg"]:
                print(f"    {agg:<16}{m['cells_by_agg'][agg]:>12}{m['mismatch_by_agg'].get(agg, 0):>12}  "
                      f"{m['mismatch_kinds'].get(agg, {})}")
        for n in m["notes"]:
            print(f"    note: {n}")


if __name__ == "__main__":
    sys.exit(main())
