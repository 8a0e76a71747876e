//! Tabularization of MEDS histories at prediction times, with MEDS-Tab's feature semantics.
//!
//! For every prediction time (a label row), mlhc-tab computes static features
//! (`{code}/static/present`, `{code}/static/first`) and, for each look-back window (by default `1d`,
//! `7d`, `30d`, `365d`, `full`), `{code}/code/count/{window}` and
//! `{code}/value/{count,sum,sum_sqd,min,max}/{window}` — from events at or before the prediction time
//! only. Codes are included when they occur at least `min_code_inclusion_count` times (default 10) in
//! the train split. One pass over each shard computes every window with sliding sums and monotonic
//! queues; shards run in parallel with memory bounded by a shard.
//!
//! The output is a sparse [`CsrMatrix`](mlhc_core::CsrMatrix) per split, in which an absent entry
//! means "not observed in the window" and an observed 0 is stored explicitly.
//!
//! ```
//! use mlhc_meds::{Dataset, DatasetWriter, Event, ShardBuilder};
//! use mlhc_tab::{tabularize, PredictionRow, TabParams};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut b = ShardBuilder::new("train/0");
//! let day = 86_400_000_000i64;
//! for (t, v) in [(0, 1.0), (day, 3.0), (3 * day, 10.0)] {
//!     b.push(Event { subject_id: 1, time: Some(t), code: "LAB//K", numeric_value: Some(v), text_value: None });
//! }
//! let (shard, vocab, _) = b.finish(false);
//! DatasetWriter::create(dir.path()).unwrap().write_shard("train/0", &shard, &vocab).unwrap();
//!
//! let params = TabParams { min_code_inclusion_count: 1, ..TabParams::default() };
//! let rows = [PredictionRow { subject_id: 1, prediction_time: 2 * day, label: Some(1.0) }];
//! let out = tabularize(&Dataset::open(dir.path()).unwrap(), &rows, &params).unwrap();
//! let train = &out.splits[0];
//! let col = |name: &str| out.space.names.iter().position(|n| n == name).unwrap();
//! // The event on day 3 is after the prediction time and never read.
//! assert_eq!(train.matrix.get(0, col("LAB//K/code/count/full")), Some(2.0));
//! assert_eq!(train.matrix.get(0, col("LAB//K/value/max/7d")), Some(3.0));
//! assert_eq!(train.matrix.get(0, col("LAB//K/value/sum/7d")), Some(4.0));
//! // Windows are (t − w, t]: the event at exactly t − 1d is outside the 1d window, so nothing was
//! // observed there and the entry is absent (not zero).
//! assert_eq!(train.matrix.get(0, col("LAB//K/code/count/1d")), None);
//! ```

mod error;
mod kernel;
pub mod npz;
pub mod output;
mod params;
mod space;
mod tabularize;

pub use error::{Error, Result};
pub use output::{read_features, write_features};
pub use params::{Aggregation, Anchor, TabParams, Window};
pub use space::{CodeStats, FeatureCode, FeatureSpace};
pub use tabularize::{
    tabularize, tabularize_with_space, train_code_stats, PredictionRow, SplitFeatures, TabSummary, Tabularized,
};
