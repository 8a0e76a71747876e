use std::path::PathBuf;

use thiserror::Error;

/// Errors raised while tabularizing.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the MEDS dataset failed.
    #[error(transparent)]
    Meds(#[from] mlhc_meds::Error),
    /// A window specification could not be parsed.
    #[error("invalid window {value:?}: {reason}")]
    BadWindow {
        /// The text given.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An aggregation name is unknown.
    #[error("unknown aggregation {value:?}: expected one of {expected}")]
    BadAggregation {
        /// The text given.
        value: String,
        /// The accepted names.
        expected: String,
    },
    /// A subject's events are not sorted by time (the dataset is not valid MEDS).
    #[error(
        "shard {shard}: subject {subject_id}: events are not sorted by time at row {row} (run `mlhc meds validate`)"
    )]
    Unsorted {
        /// The shard.
        shard: String,
        /// The subject.
        subject_id: i64,
        /// The row within the shard.
        row: usize,
    },
    /// A file could not be written or read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The result type of mlhc-tab.
pub type Result<T> = std::result::Result<T, Error>;
