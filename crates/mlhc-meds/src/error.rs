use std::path::PathBuf;

use thiserror::Error;

/// Errors raised while reading, writing, validating or building MEDS data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    // The I/O error is part of the message, not a `source`, so that a printed error chain does not
    // repeat it.
    #[error("{path}: {error}")]
    Io {
        /// The path at fault.
        path: PathBuf,
        /// The underlying I/O error.
        error: std::io::Error,
    },
    /// A Parquet file could not be decoded or encoded.
    #[error("{path}: parquet: {message}")]
    Parquet {
        /// The file at fault.
        path: PathBuf,
        /// What the Parquet or Arrow layer reported.
        message: String,
    },
    /// A required column is absent.
    #[error("{path}: missing column {column:?}")]
    MissingColumn {
        /// The file at fault.
        path: PathBuf,
        /// The expected column.
        column: String,
    },
    /// A column has a type mlhc cannot read as the MEDS field.
    #[error("{path}: column {column:?} has type {found}, expected {expected}")]
    ColumnType {
        /// The file at fault.
        path: PathBuf,
        /// The column.
        column: String,
        /// The type found.
        found: String,
        /// The types accepted.
        expected: String,
    },
    /// A value that MEDS requires is null.
    #[error("{path}: row {row}: {column} is null")]
    NullValue {
        /// The file at fault.
        path: PathBuf,
        /// The zero-based row within the file.
        row: usize,
        /// The column.
        column: String,
    },
    /// A subject's rows are split into several runs within one shard.
    #[error("{path}: row {row}: subject {subject_id} appears again after other subjects (rows of a subject must be contiguous)")]
    SubjectNotContiguous {
        /// The file at fault.
        path: PathBuf,
        /// The zero-based row where the subject reappears.
        row: usize,
        /// The subject.
        subject_id: i64,
    },
    /// A directory is not a MEDS dataset.
    #[error("{path}: not a MEDS dataset: {reason}")]
    NotADataset {
        /// The directory.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A metadata file is malformed.
    #[error("{path}: {message}")]
    Metadata {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A configuration is invalid.
    #[error("{path}: {key}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// The key at fault (dotted path).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An input table could not be read.
    #[error("{path}: row {row}: {message}")]
    Table {
        /// The file at fault.
        path: PathBuf,
        /// The one-based data row (header excluded), 0 when the whole file is at fault.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// An argument is out of its valid range.
    #[error("invalid {name}: {message}")]
    InvalidArgument {
        /// The argument.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), error: source }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Self::Parquet { path: path.into(), message: message.to_string() }
    }
}

/// The result type of mlhc-meds.
pub type Result<T> = std::result::Result<T, Error>;
