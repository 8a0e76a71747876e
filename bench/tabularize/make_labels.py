"""Writes prediction-time labels for the tabularization comparison and benchmark.

Usage: make_labels.py MEDS_DIR OUT_DIR

For every subject: one prediction time 24 h after the first HOSPITAL_ADMISSION (subjects without one
get 24 h after their first timed event), and a second one halfway between the first and last timed
event (when it differs from the first). The label (boolean_value) is whether the subject has a
MEDS_DEATH event at any time — arbitrary, only carried through.

Writes, in the MEDS label schema (subject_id int64, prediction_time timestamp[us], boolean_value):
  OUT_DIR/labels.parquet                    all rows (for mlhc tabularize --labels)
  OUT_DIR/by_shard/<split>/<shard>.parquet  the rows of each data shard's subjects, in the same
                                            layout as MEDS_DIR/data (meds-tab's input_label_dir)
Rows are sorted by (subject_id, prediction_time) everywhere.
"""

import sys
from pathlib import Path

import polars as pl


def labels_for(df: pl.LazyFrame) -> pl.DataFrame:
    timed = df.filter(pl.col("time").is_not_null())
    per = timed.group_by("subject_id").agg(
        first_adm=pl.col("time").filter(pl.col("code").str.starts_with("HOSPITAL_ADMISSION")).min(),
        first=pl.col("time").filter(pl.col("code") != "MEDS_BIRTH").min(),
        last=pl.col("time").max(),
        dead=(pl.col("code") == "MEDS_DEATH").any(),
    )
    day = pl.duration(hours=24)
    a = per.select(
        "subject_id",
        prediction_time=pl.coalesce("first_adm", "first") + day,
        boolean_value="dead",
    )
    b = per.select(
        "subject_id",
        prediction_time=pl.col("first") + (pl.col("last") - pl.col("first")) / 2,
        boolean_value="dead",
    )
    out = (
        pl.concat([a, b])
        .drop_nulls("prediction_time")
        .with_columns(pl.col("prediction_time").dt.cast_time_unit("us"))
        .unique(["subject_id", "prediction_time"])
        .sort("subject_id", "prediction_time")
        .collect()
    )
    return out


def main() -> None:
    meds, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for shard in sorted((meds / "data").glob("**/*.parquet")):
        rel = shard.relative_to(meds / "data")
        lab = labels_for(pl.scan_parquet(shard).select("subject_id", "time", "code"))
        (out / "by_shard" / rel.parent).mkdir(parents=True, exist_ok=True)
        lab.write_parquet(out / "by_shard" / rel)
        parts.append(lab)
    allrows = pl.concat(parts).sort("subject_id", "prediction_time")
    allrows.write_parquet(out / "labels.parquet")
    print(f"{allrows.height} label rows for {allrows['subject_id'].n_unique()} subjects -> {out}")


if __name__ == "__main__":
    main()
