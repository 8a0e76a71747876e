"""Compares es-aces and mlhc label files row for row and prints rows / subjects / positives for both.

Usage: compare.py OUT_DIR TASKS_TSV [--write-fixtures DIR]
Expects OUT_DIR/<name>/aces.parquet, aces_stats.parquet (es-aces window stats) and mlhc.parquet.

es-aces 0.7.3 emits, for a subject where a leaf event-bound window finds no event, an extra row whose
trigger is null (a join on null keys); those rows are not valid triggers and are set aside (counted as
"null-trigger rows"). The remaining rows must equal mlhc's exactly on (subject_id, prediction_time,
boolean_value) as multisets.
"""

import sys
from pathlib import Path

import polars as pl

KEY = ["subject_id", "prediction_time", "boolean_value"]


def stats(df: pl.DataFrame) -> tuple[int, int, int]:
    return df.height, df["subject_id"].n_unique(), int(df["boolean_value"].fill_null(False).sum())


def main() -> int:
    out, tasks = Path(sys.argv[1]), Path(sys.argv[2])
    fixtures = Path(sys.argv[4]) if len(sys.argv) > 3 and sys.argv[3] == "--write-fixtures" else None
    rows = []
    all_equal = True
    for line in tasks.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name = line.split("\t")[0]
        d = out / name
        aces = pl.read_parquet(d / "aces.parquet")
        n_null = 0
        if (d / "aces_stats.parquet").exists() and aces.height:
            st = pl.read_parquet(d / "aces_stats.parquet")
            valid = st["trigger"].is_not_null() if "trigger" in st.columns else pl.Series([True] * st.height)
            n_null = int((~valid).sum())
            aces = aces.filter(valid)
        aces = aces.select(KEY).sort(KEY, nulls_last=True)
        mlhc = pl.read_parquet(d / "mlhc.parquet").select(KEY).sort(KEY, nulls_last=True)
        equal = aces.height == mlhc.height and aces.equals(mlhc)
        all_equal &= equal
        note = f"es-aces also emitted {n_null} null-trigger rows" if n_null else ""
        if not equal:
            only_a = aces.join(mlhc, on=KEY, how="anti", nulls_equal=True)
            only_m = mlhc.join(aces, on=KEY, how="anti", nulls_equal=True)
            note += f" DIFF: {only_a.height} only in es-aces, {only_m.height} only in mlhc"
            print(f"--- {name}: only in es-aces\n{only_a.head(5)}\n--- only in mlhc\n{only_m.head(5)}", file=sys.stderr)
        rows.append((name, *stats(aces), *stats(mlhc), "yes" if equal else "NO", note))
        if fixtures is not None:
            f = fixtures / f"{name.replace('/', '__')}.csv"
            f.parent.mkdir(parents=True, exist_ok=True)
            aces.select(
                "subject_id",
                pl.col("prediction_time").cast(pl.Int64).alias("prediction_time_us"),
                pl.col("boolean_value").cast(pl.Int8).alias("boolean_value"),
            ).write_csv(f)
    w = max(len(r[0]) for r in rows)
    print(f"{'task':<{w}}  {'es-aces rows/subj/pos':>22}  {'mlhc rows/subj/pos':>20}  equal  note")
    for r in rows:
        print(f"{r[0]:<{w}}  {f'{r[1]}/{r[2]}/{r[3]}':>22}  {f'{r[4]}/{r[5]}/{r[6]}':>20}  {r[7]:>5}  {r[8]}")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
