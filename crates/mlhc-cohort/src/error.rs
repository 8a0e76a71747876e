use std::path::PathBuf;

use thiserror::Error;

/// Errors raised while loading a task configuration or extracting its labels.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A configuration file is not valid YAML.
    #[error("{file}: invalid YAML: {message}")]
    Yaml {
        /// The file (or `<task>` / `<predicates>` for in-memory text).
        file: String,
        /// What the YAML parser reported.
        message: String,
    },
    /// A configuration is well-formed YAML but not a valid task.
    #[error("{file}: {key}: {message}")]
    Config {
        /// The file (or `<task>` / `<predicates>` for in-memory text).
        file: String,
        /// The key at fault, as a dotted path (e.g. `windows.target.has.death`).
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// A predicate compares a column the dataset does not have, or of an incompatible type.
    #[error("shard {shard}: predicate {predicate:?}: {message}")]
    Column {
        /// The shard (e.g. `train/0`).
        shard: String,
        /// The predicate.
        predicate: String,
        /// What is wrong.
        message: String,
    },
    /// The MEDS data could not be read, or the labels could not be written.
    #[error(transparent)]
    Meds {
        /// The error from mlhc-meds.
        #[from]
        source: mlhc_meds::Error,
    },
}

/// The result type of mlhc-cohort.
pub type Result<T> = std::result::Result<T, Error>;
