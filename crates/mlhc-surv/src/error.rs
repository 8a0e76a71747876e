use thiserror::Error;

/// Errors raised by the survival estimators and tests.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// There are no rows to fit or test on.
    #[error("no rows: survival estimators need at least one subject")]
    Empty,
    /// Two inputs that must describe the same rows have different lengths.
    #[error("{what} has {got} values but there are {expected} rows")]
    LengthMismatch {
        /// Which input is too long or too short.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The number of rows (durations).
        expected: usize,
    },
    /// A duration is negative, NaN or infinite.
    #[error("duration at row {row} is {value}; durations must be finite and non-negative")]
    BadDuration {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A parametric model needs strictly positive durations.
    #[error("duration at row {row} is {value}; parametric models need durations > 0")]
    NonPositiveDuration {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A weight is negative, zero, NaN or infinite.
    #[error("weight at row {row} is {value}; weights must be finite and > 0")]
    BadWeight {
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A covariate value is NaN or infinite.
    #[error("covariate {covariate} at row {row} is {value}; covariates must be finite")]
    NonFiniteCovariate {
        /// The covariate's name.
        covariate: String,
        /// The row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// No event was observed (every subject is censored), so a regression model has nothing to fit.
    #[error("no events among {rows} rows: every subject is censored, so the model cannot be fitted")]
    NoEvents {
        /// Rows given.
        rows: usize,
    },
    /// A covariate takes a single value, so its coefficient is not identified.
    #[error("covariate {covariate} is constant ({value}); drop it, its coefficient is not identified")]
    ConstantCovariate {
        /// The covariate's name.
        covariate: String,
        /// Its only value.
        value: f64,
    },
    /// The likelihood increases without bound along a covariate (monotone likelihood, infinite MLE).
    #[error(
        "covariate {covariate} separates the events (monotone likelihood): its coefficient diverges \
         (reached {coefficient:.3} and still moving); drop it, merge its levels or add a penalty"
    )]
    Separation {
        /// The covariate whose coefficient diverges.
        covariate: String,
        /// Its coefficient when the likelihood stopped changing.
        coefficient: f64,
    },
    /// The information matrix is singular: a covariate is a linear combination of the others.
    #[error("covariate {covariate} is collinear with the covariates before it (singular information matrix)")]
    Collinear {
        /// The first covariate at which the Cholesky factorization broke down.
        covariate: String,
    },
    /// The optimizer did not converge.
    #[error("no convergence after {iterations} iterations (last objective change {change:e}); raise max_iter")]
    NoConvergence {
        /// Iterations run.
        iterations: usize,
        /// The last change of the log-likelihood.
        change: f64,
    },
    /// A parameter is out of range.
    #[error("invalid {name}: {message}")]
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// What is wrong, with the offending value.
        message: String,
    },
    /// A test or estimate needs more groups than were given.
    #[error("{what} needs at least {needed} groups, got {got}")]
    TooFewGroups {
        /// The test or estimate.
        what: &'static str,
        /// How many groups it needs.
        needed: usize,
        /// How many were given.
        got: usize,
    },
    /// Reading a MEDS dataset or label file failed.
    #[error(transparent)]
    Meds(#[from] mlhc_meds::Error),
    /// Reading tabularized features failed.
    #[error(transparent)]
    Tab(#[from] mlhc_tab::Error),
    /// Feature rows and survival labels do not match one to one.
    #[error(
        "{features_without_label} feature rows have no survival label and {labels_without_features} survival \
labels have no feature row (keys are subject_id and prediction_time; tabularize at the label file's prediction \
times, or drop and count them explicitly)"
    )]
    Unjoined {
        /// Feature rows (in the used splits) whose key is not in the label file.
        features_without_label: usize,
        /// Label rows whose key is in no feature split.
        labels_without_features: usize,
    },
    /// A table could not be read or a column could not be used.
    #[error(transparent)]
    Frame(#[from] mlhc_frame::Error),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
