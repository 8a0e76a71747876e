use thiserror::Error;

/// Errors raised by the core types.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A timestamp string matched none of the accepted formats.
    #[error("cannot parse timestamp {value:?}: expected YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]")]
    BadTimestamp {
        /// The offending text.
        value: String,
    },
    /// The parts of a sparse matrix are inconsistent.
    #[error("invalid sparse matrix: {message}")]
    InvalidSparse {
        /// What is wrong.
        message: String,
    },
    /// A timestamp lies outside the range representable in microseconds.
    #[error("timestamp {value:?} is out of range")]
    TimestampOutOfRange {
        /// The offending text.
        value: String,
    },
}

/// The result type of mlhc-core.
pub type Result<T> = std::result::Result<T, Error>;
