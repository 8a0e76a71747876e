"""Runs a meds-tab 0.2.0 command with the reference's aggregation defects patched in memory, so that
what is left to compare is its intended semantics (the installed package is not modified).

Usage: medstab_patched.py {describe|static|ts|cache} HYDRA_ARGS...

Patches (each names the 0.2.0 function it replaces):
  P1 generate_summarized_reps.compute_agg: the per-timestamp grouping takes rows
     [min_index, max_index) with an inclusive max_index, so a timestamp's last event row is dropped
     (a timestamp with one event contributes nothing). Fixed: [min_index, max_index + 1).
  P2 same function: the second (window) pass re-applies the aggregation to the per-timestamp results,
     so `count` counts timestamps, not events, and `sum_sqd` squares per-timestamp sums of squares.
     Fixed: the window pass sums counts and sums of squares.
  P3 generate_ts_features.get_long_value_df: filters codes against names that carry the `/value`
     suffix, so no value is ever kept. Fixed: filters against the bare codes.
  P4 generate_summarized_reps.sparse_aggregate / aggregate_matrix: min/max take implicit zeros of
     the sparse slice into account, and the result (a 1-row COO) is written to matrix row 0 instead
     of the window's row. Fixed: min/max over stored entries, returned densely for the right row.
"""

import sys

import numpy as np
import polars as pl
from scipy.sparse import csc_array

from MEDS_tabular_automl import generate_summarized_reps as gsr
from MEDS_tabular_automl import generate_ts_features as gts

_orig_sparse_aggregate = gsr.sparse_aggregate


def sparse_aggregate(sparse_matrix, agg):  # P4
    if agg in ("min", "max"):
        c = csc_array(sparse_matrix)
        out = np.zeros(c.shape[1], dtype=c.dtype)
        cols = np.nonzero(np.diff(c.indptr))[0]
        if len(cols):
            red = (np.minimum if agg == "min" else np.maximum).reduceat(c.data, c.indptr[cols])
            out[cols] = red
        return out
    return _orig_sparse_aggregate(sparse_matrix, agg)


def compute_agg(index_df, matrix, window_size, agg, num_features, label_df=None, use_tqdm=False):  # P1, P2
    group_df = (
        index_df.with_row_index("index")
        .group_by(["subject_id", "time"], maintain_order=True)
        .agg([pl.col("index").min().alias("min_index"), (pl.col("index").max() + 1).alias("max_index")])
        .collect()
    )
    index_df = group_df.lazy().select(pl.col("subject_id", "time"))
    windows = group_df.select(pl.col("min_index", "max_index"))
    matrix = gsr.aggregate_matrix(windows, matrix, agg, num_features, use_tqdm)
    windows = gsr.get_rolling_window_indicies(index_df, window_size, label_df)
    second = {"count": "sum", "sum_sqd": "sum"}.get(agg.split("/")[-1], agg.split("/")[-1])
    return gsr.aggregate_matrix(windows, matrix, second, num_features, use_tqdm)


def get_long_value_df(df, ts_columns):  # P3
    column_to_int = {gts.feature_name_to_code(col): i for i, col in enumerate(ts_columns)}
    value_df = (
        df.with_row_index("index").drop_nulls("numeric_value").filter(pl.col("code").is_in(list(column_to_int)))
    )
    rows = value_df.select(pl.col("index")).collect().to_series().to_numpy()
    cols = (
        value_df.with_columns(pl.col("code").cast(str).replace(column_to_int).cast(int).alias("value_index"))
        .select("value_index").collect().to_series().to_numpy()
    )
    data = value_df.select(pl.col("numeric_value")).collect().to_series().to_numpy()
    return data, (rows, cols)


gsr.sparse_aggregate = sparse_aggregate
gsr.compute_agg = compute_agg
gts.get_long_value_df = get_long_value_df

if __name__ == "__main__":
    cmd = sys.argv.pop(1)
    if cmd == "describe":
        from MEDS_tabular_automl.scripts.describe_codes import main
    elif cmd == "static":
        from MEDS_tabular_automl.scripts.tabularize_static import main
    elif cmd == "ts":
        from MEDS_tabular_automl.scripts.tabularize_time_series import main
    elif cmd == "cache":
        from MEDS_tabular_automl.scripts.cache_task import main
    else:
        raise SystemExit(f"unknown command {cmd}")
    main()
