use thiserror::Error;

/// Errors raised by the estimators.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The number of labels differs from the number of rows.
    #[error("{rows} feature rows but {labels} labels")]
    ShapeMismatch {
        /// Rows of the feature matrix.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// A label is not 0 or 1.
    #[error("label at row {row} is {value}; binary labels must be 0 or 1")]
    BadLabel {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A label is NaN or infinite.
    #[error("label at row {row} is {value}; labels must be finite")]
    NonFiniteLabel {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A feature value is NaN or infinite.
    #[error("feature {column} at row {row} is {value}; features must be finite")]
    NonFinite {
        /// The row.
        row: usize,
        /// The column.
        column: usize,
        /// The value.
        value: f32,
    },
    /// Only one class is present, so there is nothing to separate.
    #[error("all {rows} labels are {class}; a classifier needs both classes")]
    OneClass {
        /// Rows.
        rows: usize,
        /// The single class.
        class: u8,
    },
    /// A hyperparameter is out of range.
    #[error("invalid {name}: {message}")]
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The solver did not converge.
    #[error("no convergence after {iterations} iterations (last change {change:e} > tolerance {tol:e}); raise max_iter or the penalty")]
    NoConvergence {
        /// Iterations run.
        iterations: usize,
        /// The last change in the convergence criterion.
        change: f64,
        /// The tolerance.
        tol: f64,
    },
    /// A model file cannot be written or read.
    #[error("{path}: {message}")]
    ModelFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The matrix has fewer columns than the model expects.
    #[error("model has {expected} features but the matrix has {found} columns")]
    FeatureMismatch {
        /// Features the model was fitted on.
        expected: usize,
        /// Columns given.
        found: usize,
    },
}

/// The result type of mlhc-learn.
pub type Result<T> = std::result::Result<T, Error>;
