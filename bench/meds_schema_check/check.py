"""Validate a MEDS dataset with the schemas of the Python `meds` package (PyPI meds, MEDS v0.4).

Checks every data shard against meds.DataSchema, metadata/codes.parquet against CodeMetadataSchema,
metadata/subject_splits.parquet against SubjectSplitSchema and metadata/dataset.json against
DatasetMetadataSchema, each by the package's own `validate` (types and nullability), then the dataset
invariants the package documents but does not check itself: each subject in one shard only, contiguous,
sorted by time; every subject in the splits file; every code in codes.parquet. Exits 1 on any failure.
"""

import glob
import json
import os
import sys

import meds
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def main(root):
    failures = []

    def check(what, fn):
        try:
            fn()
            print(f"ok    {what}")
        except Exception as e:  # report every failure, not only the first
            failures.append(what)
            print(f"FAIL  {what}: {type(e).__name__}: {e}")

    print(f"meds {meds.__version__}, pyarrow {pa.__version__}: {root}")
    shards = sorted(glob.glob(os.path.join(root, meds.data_subdirectory, "**", "*.parquet"), recursive=True))
    if not shards:
        sys.exit(f"no shards under {root}/{meds.data_subdirectory}")
    seen = {}
    codes_used = set()
    for path in shards:
        name = os.path.relpath(path, root)
        table = pq.read_table(path)
        check(f"{name}: DataSchema ({table.num_rows} rows, schema {table.schema.types})",
              lambda: meds.DataSchema.validate(table))
        sid = table.column("subject_id").to_numpy()
        starts = [0] + [i for i in range(1, len(sid)) if sid[i] != sid[i - 1]]

        def invariants():
            run_ids = sid[starts]
            if len(set(run_ids.tolist())) != len(run_ids):
                raise ValueError("a subject's rows are not contiguous")
            for s in run_ids.tolist():
                if s in seen:
                    raise ValueError(f"subject {s} also in {seen[s]}")
                seen[s] = name
            # Sorted by time within each subject, nulls (static rows) first: fill nulls with the minimum
            # timestamp and compare neighbours that belong to the same subject.
            t = pc.fill_null(table.column("time").cast(pa.int64()), -(2**63)).to_numpy()
            same = sid[1:] == sid[:-1]
            if (same & (t[1:] < t[:-1])).any():
                raise ValueError("rows not sorted by time within a subject (static rows first)")

        check(f"{name}: subjects contiguous, in one shard, sorted by time", invariants)
        codes_used |= set(pc.unique(table.column("code")).to_pylist())

    codes = pq.read_table(os.path.join(root, meds.code_metadata_filepath))
    check(f"{meds.code_metadata_filepath}: CodeMetadataSchema ({codes.num_rows} codes, schema {codes.schema.types})",
          lambda: meds.CodeMetadataSchema.validate(codes))

    def codes_cover():
        missing = codes_used - set(codes.column("code").to_pylist())
        if missing:
            raise ValueError(f"{len(missing)} codes missing from codes.parquet, e.g. {sorted(missing)[:3]}")

    check("every code of the data in codes.parquet", codes_cover)

    splits = pq.read_table(os.path.join(root, meds.subject_splits_filepath))
    check(f"{meds.subject_splits_filepath}: SubjectSplitSchema ({splits.num_rows} rows)",
          lambda: meds.SubjectSplitSchema.validate(splits))

    def splits_cover():
        split_of = dict(zip(splits.column("subject_id").to_pylist(), splits.column("split").to_pylist()))
        missing = set(seen) - set(split_of)
        if missing:
            raise ValueError(f"{len(missing)} subjects have no split")
        wrong = [s for s, shard in seen.items() if not shard.startswith(f"data/{split_of[s]}/")]
        if wrong:
            raise ValueError(f"{len(wrong)} subjects in a shard of another split, e.g. {wrong[:3]}")

    check("every subject in subject_splits.parquet, in a shard of its split", splits_cover)

    with open(os.path.join(root, meds.dataset_metadata_filepath)) as f:
        metadata = json.load(f)
    check(f"{meds.dataset_metadata_filepath}: DatasetMetadataSchema ({sorted(metadata)})",
          lambda: meds.DatasetMetadataSchema.validate(metadata))

    print("PASS" if not failures else f"FAIL: {len(failures)} check(s) failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check.py MEDS_DATASET_DIR")
    main(sys.argv[1])
