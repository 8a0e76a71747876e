//! The Cox proportional-hazards model.
//!
//! The hazard of subject i in stratum s is `h_s(t) exp(xᵢ'β)`. β maximizes the partial likelihood,
//! with tied event times handled by Efron's or Breslow's approximation ([`Ties`]), optional case
//! weights (each subject counts `wᵢ` times) and strata (each with its own baseline hazard and risk
//! sets). The fit is Newton–Raphson with step halving on centred and scaled covariates, started at
//! β = 0; a step that follows a small one reuses the information matrix, but convergence is always
//! judged with the information at the solution. Standard errors come from the inverse information
//! matrix there, or from the cluster-robust sandwich `D'D` built from the score residuals when asked
//! for. The baseline cumulative hazard is
//! Breslow's estimator at the covariate means. These are the estimates of lifelines 0.30.3's
//! `CoxPHFitter` and of R's `survival::coxph`; the golden tests check them on the Rossi recidivism
//! and NCCTG lung data, and on the Stanford heart-transplant start–stop data (lifelines'
//! `CoxTimeVaryingFitter`).

mod fit;
mod predict;
mod residuals;
mod robust;

use serde::Serialize;

pub use predict::SurvivalCurves;
pub use residuals::{PhTest, Schoenfeld, TimeTransform};

use crate::error::{Error, Result};
use crate::special::{normal_quantile, normal_sf};

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Ties {
    /// Efron's approximation: at a time with d tied events, the j-th (j = 0..d−1) denominator removes
    /// the fraction j/d of the tied subjects' risk from the risk set. The default, as in lifelines and R.
    #[default]
    Efron,
    /// Breslow's approximation: every tied event shares the full risk-set denominator.
    Breslow,
}

/// Options of a Cox fit.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxParams {
    /// Ties handling. By default, [`Ties::Efron`].
    pub ties: Ties,
    /// Use the robust (sandwich) covariance even without clusters. By default, false; the covariance
    /// is always robust when clusters are given.
    pub robust: bool,
    /// Newton iterations allowed. By default, 100 (a well-posed fit takes fewer than 10).
    pub max_iter: usize,
    /// Miscoverage of the coefficient intervals. By default, 0.05 (95% intervals).
    pub alpha: f64,
    /// Penalty strength λ ≥ 0: the fit maximizes
    /// `ℓ(β) − n·λ·(r·Σⱼ|βⱼ·sdⱼ| + (1 − r)/2·Σⱼ(βⱼ·sdⱼ)²)` with r = [`CoxParams::l1_ratio`] and sdⱼ the
    /// sample standard deviation of covariate j. With r = 0 this is lifelines'
    /// `CoxPHFitter(penalizer=λ)`; with r > 0 it is scikit-survival's
    /// `CoxnetSurvivalAnalysis(alphas=[λ], l1_ratio=r)` on covariates standardized by their sample sd
    /// (whose coefficients are βⱼ·sdⱼ), with exact zeros. Standard errors come from the penalized
    /// information (over the non-zero coefficients when r > 0; the others have none). By default, 0.
    pub penalizer: f64,
    /// The L1 share r of the penalty, in [0, 1]. By default, 0 (ridge).
    pub l1_ratio: f64,
}

impl Default for CoxParams {
    fn default() -> Self {
        Self { ties: Ties::Efron, robust: false, max_iter: 100, alpha: 0.05, penalizer: 0.0, l1_ratio: 0.0 }
    }
}

/// The data of a Cox fit: a dense row-major design and one duration and event flag per row.
#[derive(Debug, Clone, Copy)]
pub struct CoxData<'a> {
    /// Covariates, row-major `n × names.len()`.
    pub x: &'a [f64],
    /// Covariate names, one per column.
    pub names: &'a [String],
    /// Time to event or censoring, one per row.
    pub durations: &'a [f64],
    /// Whether the event was observed, one per row.
    pub events: &'a [bool],
    /// Stratum labels, one per row (any integers). By default, one stratum.
    pub strata: Option<&'a [usize]>,
    /// Case weights (> 0), one per row. By default, all 1.
    pub weights: Option<&'a [f64]>,
    /// Cluster labels for the robust covariance, one per row. By default, each row is its own cluster
    /// (used only when the covariance is robust).
    pub clusters: Option<&'a [usize]>,
    /// Entry (start) times for start–stop (counting-process) data, one per row: row i is at risk at
    /// the event times t with `entry < t ≤ duration`, so a subject whose covariates change over time
    /// is several rows with consecutive intervals. By default, every row is at risk from time 0.
    pub entries: Option<&'a [f64]>,
}

impl<'a> CoxData<'a> {
    /// Data with one stratum, unit weights, no clusters and no entry times.
    pub fn new(x: &'a [f64], names: &'a [String], durations: &'a [f64], events: &'a [bool]) -> Self {
        Self { x, names, durations, events, strata: None, weights: None, clusters: None, entries: None }
    }
}

/// Breslow's cumulative baseline hazard of one stratum, at the covariate means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineHazard {
    /// The stratum label (0 when the fit has no strata).
    pub stratum: usize,
    /// Distinct event times, ascending.
    pub times: Vec<f64>,
    /// `H₀(t)` at those times.
    pub cumulative_hazard: Vec<f64>,
}

impl BaselineHazard {
    /// `H₀(t)` (0 before the first event time).
    pub fn at(&self, t: f64) -> f64 {
        let k = self.times.partition_point(|&s| s <= t);
        k.checked_sub(1).map_or(0.0, |k| self.cumulative_hazard[k])
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxModel {
    /// Covariate names.
    pub names: Vec<String>,
    /// β, per unit of each covariate.
    pub coefficients: Vec<f64>,
    /// Covariance of β, row-major p×p (robust when [`CoxModel::robust`]).
    pub covariance: Vec<f64>,
    /// Whether the covariance is the cluster-robust sandwich.
    pub robust: bool,
    /// The ties method used.
    pub ties: Ties,
    /// Log partial likelihood at β (without the penalty term).
    pub log_likelihood: f64,
    /// The penalty term at β (0 without a penalty); lifelines reports `log_likelihood − penalty` as
    /// `log_likelihood_` of a penalized fit.
    pub penalty: f64,
    /// Log partial likelihood at β = 0.
    pub null_log_likelihood: f64,
    /// Harrell's C of the linear predictor on the fitting data, pairs formed within strata (as
    /// lifelines); `None` for start–stop data, where rows are not subjects.
    pub concordance: Option<f64>,
    /// Whether the model was fitted to start–stop data (residuals then need the entry times and are
    /// not provided).
    pub start_stop: bool,
    /// Rows fitted.
    pub n: usize,
    /// Events among them.
    pub n_events: usize,
    /// Newton iterations taken.
    pub iterations: usize,
    /// Covariate means; the baseline hazard is the hazard of a subject at these values.
    pub means: Vec<f64>,
    /// Baseline cumulative hazard per stratum, in ascending stratum label order.
    pub baseline: Vec<BaselineHazard>,
    /// Miscoverage of the coefficient intervals.
    pub alpha: f64,
}

/// One coefficient's row of the summary table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoefficientSummary {
    /// Covariate name.
    pub name: String,
    /// β.
    pub coef: f64,
    /// Standard error.
    pub se: f64,
    /// Wald statistic β / se.
    pub z: f64,
    /// Two-sided p-value of the Wald test.
    pub p: f64,
    /// Lower end of the Wald interval for β (exponentiate for the hazard ratio).
    pub ci_low: f64,
    /// Upper end of the Wald interval for β.
    pub ci_high: f64,
}

impl CoxParams {
    /// Fits the model.
    pub fn fit(&self, data: &CoxData<'_>) -> Result<CoxModel> {
        fit::fit(self, data, None)
    }

    /// Fits the model on a covariate matrix handed over by the caller: `x` (row-major, `n ×
    /// data.names.len()`) takes the place of `data.x`, which must be empty. The fit standardizes `x`
    /// in place (and, when the event times are many, sorts its rows in place) instead of copying it, so
    /// the peak memory holds one `n × p` matrix instead of two. The result is the same as
    /// [`CoxParams::fit`]'s.
    pub fn fit_owned(&self, data: &CoxData<'_>, x: Vec<f64>) -> Result<CoxModel> {
        if !data.x.is_empty() {
            return Err(Error::InvalidParam {
                name: "x",
                message: "fit_owned takes the covariates as its own argument; data.x must be empty".into(),
            });
        }
        fit::fit(self, data, Some(x))
    }
}

impl CoxModel {
    /// Standard errors of β.
    pub fn standard_errors(&self) -> Vec<f64> {
        let p = self.coefficients.len();
        (0..p).map(|j| self.covariance[j * p + j].sqrt()).collect()
    }

    /// The coefficient table: β, se, z, two-sided p and the Wald interval at level `1 − alpha`.
    pub fn summary(&self) -> Vec<CoefficientSummary> {
        let q = normal_quantile(1.0 - self.alpha / 2.0);
        self.names
            .iter()
            .zip(&self.coefficients)
            .zip(self.standard_errors())
            .map(|((name, &coef), se)| {
                let z = coef / se;
                CoefficientSummary {
                    name: name.clone(),
                    coef,
                    se,
                    z,
                    p: 2.0 * normal_sf(z.abs()),
                    ci_low: coef - q * se,
                    ci_high: coef + q * se,
                }
            })
            .collect()
    }

    /// The linear predictor `(x − means)'β` of one row of covariates (the log partial hazard
    /// relative to a subject at the means).
    pub fn linear_predictor(&self, row: &[f64]) -> f64 {
        row.iter().zip(&self.means).zip(&self.coefficients).map(|((x, m), b)| (x - m) * b).sum()
    }
}
