//! The error type of mlhc-causal.

use thiserror::Error;

/// Errors raised by formula parsing, design building and the estimators.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The formula could not be parsed.
    #[error("formula {formula:?} at position {position}: {message}")]
    FormulaSyntax {
        /// The formula as given.
        formula: String,
        /// 0-based character offset of the fault.
        position: usize,
        /// What was expected.
        message: String,
    },
    /// The formula (or an option) names a column the table does not have.
    #[error("no column {name:?}; available: {}", available.join(", "))]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The table's columns.
        available: Vec<String>,
    },
    /// A numeric operation was applied to a text column.
    #[error("column {name:?} holds text; it can only enter as a categorical term")]
    TextInExpression {
        /// The column.
        name: String,
    },
    /// A covariate cell is missing.
    #[error("covariate column {column:?} has a missing value at row {row}")]
    MissingCovariate {
        /// The column.
        column: String,
        /// 0-based data row.
        row: usize,
    },
    /// An outcome cell is missing.
    #[error("outcome {column:?} is missing at row {row}")]
    MissingOutcome {
        /// The outcome column.
        column: String,
        /// 0-based data row.
        row: usize,
    },
    /// A treatment cell is missing or not binary.
    #[error("treatment {column:?} at row {row} is {value}; a binary treatment (0/1) is required")]
    BadTreatment {
        /// The treatment column.
        column: String,
        /// 0-based data row.
        row: usize,
        /// The offending value.
        value: String,
    },
    /// A value is NaN or infinite.
    #[error("{what} at row {row} is {value}; values must be finite")]
    NonFinite {
        /// Which quantity (a column or derived term name).
        what: String,
        /// 0-based row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// Lengths of inputs disagree.
    #[error("{what}: expected {expected} rows, got {got}")]
    ShapeMismatch {
        /// Which input.
        what: &'static str,
        /// Rows expected.
        expected: usize,
        /// Rows given.
        got: usize,
    },
    /// One treatment arm is empty or too small for the requested estimator.
    #[error("{message}")]
    Degenerate {
        /// What is missing.
        message: String,
    },
    /// A parameter is out of range or a combination is unsupported.
    #[error("invalid parameter {name}: {message}")]
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// Why.
        message: String,
    },
    /// A regression's normal equations are singular (collinear or constant covariates).
    #[error("{model}: the design is singular (pivot {pivot} at column {column:?}); drop collinear covariates")]
    Singular {
        /// Which model.
        model: &'static str,
        /// The failing column.
        column: String,
        /// The pivot value.
        pivot: f64,
    },
    /// Iterative fitting did not converge.
    #[error("{model} did not converge in {iterations} iterations (last change {change:e})")]
    NotConverged {
        /// Which model.
        model: &'static str,
        /// Iterations run.
        iterations: usize,
        /// The last change of the objective.
        change: f64,
    },
    /// Feature rows and label rows do not join one-to-one on `(subject_id, prediction_time)`.
    #[error("{message}")]
    Unjoined {
        /// What did not join, with counts.
        message: String,
    },
    /// An error from the table reader.
    #[error(transparent)]
    Frame(#[from] mlhc_frame::Error),
    /// An error from a learner of mlhc-learn.
    #[error(transparent)]
    Learn(#[from] mlhc_learn::Error),
}

/// The result type of mlhc-causal.
pub type Result<T> = std::result::Result<T, Error>;
