//! Nuisance models: the propensity score `e(x) = P(T = 1 | X = x)` and outcome regressions
//! `m(x) = E[Y | X = x]`, each either linear (this crate's [`glm`](crate::glm)) or gradient-boosted trees
//! (mlhc-learn's [`gbdt`]).

use mlhc_core::CsrMatrix;
use mlhc_learn::gbdt::{self, GbdtModel, GbdtParams, Objective};

use crate::glm::{fit_linear, fit_logistic_from, LinearPredictor};
use crate::Result;

/// How the propensity score is modelled.
#[derive(Debug, Clone, PartialEq)]
pub enum PropensityModel {
    /// Logistic regression on the covariates with a ridge penalty `λ/2 ‖β‖²` on standardized
    /// coefficients (glmnet's scaling; `lambda = 0` is maximum likelihood, as R's `glm`).
    Logistic {
        /// The penalty λ ≥ 0.
        lambda: f64,
    },
    /// Gradient-boosted trees with the binary log loss.
    Gbdt(GbdtParams),
}

impl Default for PropensityModel {
    /// L2-penalized logistic regression with λ = 1e-4 (mlhc-learn's default penalty).
    fn default() -> Self {
        PropensityModel::Logistic { lambda: 1e-4 }
    }
}

/// How an outcome regression is modelled.
#[derive(Debug, Clone, PartialEq)]
pub enum OutcomeModel {
    /// Least squares on the covariates, with a ridge `λ/2 ‖β‖²` on standardized coefficients
    /// (`lambda = 0` is ordinary least squares).
    Linear {
        /// The penalty λ ≥ 0.
        lambda: f64,
    },
    /// Gradient-boosted regression trees (squared error).
    Gbdt(GbdtParams),
}

impl OutcomeModel {
    /// Boosted regression trees suited to small tables: 100 trees, learning rate 0.05, 15 leaves,
    /// at least 20 rows a leaf.
    pub fn default_gbdt() -> OutcomeModel {
        OutcomeModel::Gbdt(GbdtParams {
            objective: Objective::Regression,
            num_trees: 100,
            learning_rate: 0.05,
            num_leaves: 15,
            ..GbdtParams::default()
        })
    }
}

/// A fitted nuisance model.
#[derive(Debug, Clone)]
pub enum Fitted {
    /// A linear predictor (identity or logit link).
    Linear {
        /// The predictor.
        model: LinearPredictor,
        /// Whether predictions go through the logistic function.
        logistic: bool,
    },
    /// Boosted trees.
    Gbdt(GbdtModel),
}

impl Fitted {
    /// Predictions (probabilities for propensity models) for every row of row-major `x` with `p`
    /// columns.
    pub fn predict(&self, x: &[f64], p: usize) -> Vec<f64> {
        match self {
            Fitted::Linear { model, logistic: true } => model.proba_all(x),
            Fitted::Linear { model, logistic: false } => model.eta_all(x),
            Fitted::Gbdt(m) => m.predict(&to_csr(x, p)),
        }
    }
}

/// A dense row-major matrix as CSR with every entry stored (an explicit 0 is a value, not missing).
pub fn to_csr(x: &[f64], p: usize) -> CsrMatrix {
    let n = x.len().checked_div(p).unwrap_or(0);
    let mut m = CsrMatrix::with_capacity(p, n, n * p);
    let mut row = Vec::with_capacity(p);
    for r in x.chunks(p.max(1)).take(n) {
        row.clear();
        row.extend(r.iter().enumerate().map(|(j, &v)| (j as u32, v as f32)));
        m.push_row(&row);
    }
    m
}

fn gbdt_fit(x: &[f64], p: usize, y: &[f64], params: &GbdtParams, objective: Objective) -> Result<Fitted> {
    let params = GbdtParams { objective, ..params.clone() };
    Ok(Fitted::Gbdt(gbdt::fit(&to_csr(x, p), y, &params)?))
}

/// Fits a propensity model of `t` (0/1 as `f64`) on row-major `x`.
pub fn fit_propensity(model: &PropensityModel, x: &[f64], p: usize, t: &[f64], names: &[String]) -> Result<Fitted> {
    fit_propensity_from(model, x, p, t, names, None)
}

/// [`fit_propensity`], a logistic model starting from the coefficients of `init` (another fold's
/// fit); boosted trees ignore `init`.
pub fn fit_propensity_from(
    model: &PropensityModel,
    x: &[f64],
    p: usize,
    t: &[f64],
    names: &[String],
    init: Option<&Fitted>,
) -> Result<Fitted> {
    match model {
        PropensityModel::Logistic { lambda } => {
            let start = match init {
                Some(Fitted::Linear { model, logistic: true }) => Some(model),
                _ => None,
            };
            Ok(Fitted::Linear { model: fit_logistic_from(x, p, t, None, *lambda, names, start)?, logistic: true })
        }
        PropensityModel::Gbdt(params) => gbdt_fit(x, p, t, params, Objective::Binary),
    }
}

/// Fits an outcome regression of `y` on row-major `x`.
pub fn fit_outcome(model: &OutcomeModel, x: &[f64], p: usize, y: &[f64], names: &[String]) -> Result<Fitted> {
    match model {
        OutcomeModel::Linear { lambda } => {
            Ok(Fitted::Linear { model: fit_linear(x, p, y, None, *lambda, names)?, logistic: false })
        }
        OutcomeModel::Gbdt(params) => gbdt_fit(x, p, y, params, Objective::Regression),
    }
}
