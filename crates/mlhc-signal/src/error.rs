//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading, filtering or analysing a signal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A WFDB header line is malformed.
    #[error("header line {line}: {message}")]
    Header {
        /// 1-based line number in the header file.
        line: usize,
        /// What is wrong, with the offending value.
        message: String,
    },
    /// A signal format the reader does not implement.
    #[error("unsupported signal format {format}")]
    UnsupportedFormat {
        /// The format number from the header.
        format: u32,
    },
    /// A signal file holds fewer bytes than its header promises.
    #[error("{path}: signal file holds {available} bytes, the header needs {needed}")]
    TruncatedSignal {
        /// The signal file.
        path: PathBuf,
        /// Bytes present after the byte offset.
        available: u64,
        /// Bytes the header implies.
        needed: u64,
    },
    /// Signals of one file disagree in a way the WFDB format forbids.
    #[error("signal file {file}: {message}")]
    SignalGroup {
        /// The signal file name from the header.
        file: String,
        /// What is inconsistent.
        message: String,
    },
    /// An annotation file is malformed.
    #[error("annotation byte {offset}: {message}")]
    Annotation {
        /// Byte offset of the offending word.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// An annotation cannot be written in the MIT format.
    #[error("annotation {index}: {message}")]
    AnnotationWrite {
        /// Index of the annotation.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A FLAC-compressed signal file (formats 508, 516, 524) cannot be decoded.
    #[error("flac: {message}")]
    Flac {
        /// What is wrong, with the offending value.
        message: String,
    },
    /// An EDF file is malformed.
    #[error("edf: {message}")]
    Edf {
        /// What is wrong.
        message: String,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter {name}: {message}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong, with the offending value.
        message: String,
    },
    /// Input samples contain NaN or infinity where finite values are needed.
    #[error("non-finite sample at index {index}")]
    NonFinite {
        /// Index of the first non-finite sample.
        index: usize,
    },
    /// Too few values to compute a statistic.
    #[error("{what} needs at least {needed} values, got {got}")]
    TooFew {
        /// The statistic.
        what: &'static str,
        /// The minimum.
        needed: usize,
        /// What was given.
        got: usize,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}
