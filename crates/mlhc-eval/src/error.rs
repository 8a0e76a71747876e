use thiserror::Error;

/// Errors raised by evaluation.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// Inputs of different lengths.
    #[error("{what}: {a} labels but {b} scores/ids")]
    LengthMismatch {
        /// Which inputs.
        what: &'static str,
        /// First length.
        a: usize,
        /// Second length.
        b: usize,
    },
    /// A label is not 0 or 1.
    #[error("label at row {row} is {value}; binary labels must be 0 or 1")]
    BadLabel {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A score or probability is not usable.
    #[error("prediction at row {row} is {value}; {expected}")]
    BadPrediction {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
        /// What is expected.
        expected: &'static str,
    },
    /// A setting is out of range.
    #[error("invalid {name}: {message}")]
    InvalidParam {
        /// The setting.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The result type of mlhc-eval.
pub type Result<T> = std::result::Result<T, Error>;
