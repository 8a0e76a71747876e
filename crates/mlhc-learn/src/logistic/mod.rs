//! Penalized logistic regression (L1, L2, elastic net) on sparse features, fitted by glmnet's
//! algorithm: iteratively reweighted least squares with cyclic coordinate descent, warm starts along a
//! regularization path, internal standardization and an unpenalized intercept.
//!
//! Objective (glmnet's, with `λ` = `lambda` and `α` = the L1 share of the penalty):
//!
//! ```text
//! −(1/n) Σᵢ [yᵢ ηᵢ − log(1 + exp ηᵢ)] + λ [α ‖β‖₁ + (1 − α)/2 ‖β‖₂²],   ηᵢ = b₀ + Σⱼ βⱼ x̃ᵢⱼ
//! ```
//!
//! where `x̃` are the standardized features (mean 0, variance 1 with the 1/n convention) when
//! `standardize` is on. scikit-learn's `LogisticRegression(C=…)` (solvers `lbfgs` or `saga`, which leave
//! the intercept unpenalized) solves the same problem on the same standardized features with
//! `λ = 1 / (C · n)`; [`LogisticParams::from_sklearn_c`] does the conversion. Coefficients are returned
//! on the original feature scale.

mod fit;

use serde::{Deserialize, Serialize};

pub use fit::{fit, fit_path, lambda_max};

/// The penalty on the coefficients (never on the intercept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Penalty {
    /// Ridge: `λ/2 ‖β‖₂²`.
    L2,
    /// Lasso: `λ ‖β‖₁`; gives exact zeros.
    L1,
    /// Elastic net: `λ [r ‖β‖₁ + (1 − r)/2 ‖β‖₂²]` with `l1_ratio` = r in [0, 1].
    ElasticNet {
        /// The L1 share r.
        l1_ratio: f64,
    },
}

impl Penalty {
    /// The L1 share α of the penalty.
    pub fn alpha(self) -> f64 {
        match self {
            Self::L2 => 0.0,
            Self::L1 => 1.0,
            Self::ElasticNet { l1_ratio } => l1_ratio,
        }
    }
}

/// Settings of a logistic regression fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// The penalty. By default L2.
    pub penalty: Penalty,
    /// The penalty strength λ ≥ 0. By default 1e-4.
    pub lambda: f64,
    /// Standardize features internally (coefficients are still reported on the original scale).
    /// By default on.
    pub standardize: bool,
    /// Outer (IRLS) iterations at most. By default 100.
    pub max_iter: usize,
    /// Convergence tolerance: the fit stops when no optimality (KKT) condition is violated by more
    /// than this, in standardized units (the gradient of the objective). By default 1e-7.
    pub tol: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self { penalty: Penalty::L2, lambda: 1e-4, standardize: true, max_iter: 100, tol: 1e-7 }
    }
}

impl LogisticParams {
    /// The parameters equivalent to scikit-learn's `LogisticRegression(C=c)` on `n` rows:
    /// `λ = 1 / (C · n)`.
    pub fn from_sklearn_c(penalty: Penalty, c: f64, n: usize) -> Self {
        Self { penalty, lambda: 1.0 / (c * n as f64), ..Self::default() }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// The intercept (original feature scale).
    pub intercept: f64,
    /// One coefficient per feature (original feature scale); exactly 0 for features the L1 penalty
    /// removed and for constant features.
    pub coef: Vec<f64>,
    /// The parameters it was fitted with.
    pub params: LogisticParams,
    /// IRLS iterations used.
    pub n_iter: usize,
}

impl LogisticModel {
    /// The linear predictor `b₀ + x·β` of each row.
    pub fn decision_function(&self, x: &mlhc_core::CsrMatrix) -> Vec<f64> {
        (0..x.n_rows())
            .map(|i| {
                let (cols, vals) = x.row(i);
                self.intercept
                    + cols
                        .iter()
                        .zip(vals)
                        .filter_map(|(&c, &v)| self.coef.get(c as usize).map(|b| b * v as f64))
                        .sum::<f64>()
            })
            .collect()
    }

    /// The predicted probability of class 1 for each row. Columns beyond the model's features are
    /// ignored.
    pub fn predict_proba(&self, x: &mlhc_core::CsrMatrix) -> Vec<f64> {
        self.decision_function(x).into_iter().map(sigmoid).collect()
    }
}

/// The logistic function, computed without overflow.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}
