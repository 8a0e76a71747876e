//! Effect estimation: the estimators, their parameters and their inference.
//!
//! Every estimate comes with a standard error and a 95% confidence interval: from the influence
//! function for IPW, AIPW and the DR-learner (`se = sqrt(Σ φᵢ²) / n`, interval `τ̂ ± 1.96 se`), from
//! Welch's formula for the naive difference, from Abadie & Imbens (2006) for matching with
//! replacement, and from a seeded row-level (subject-level: one row per
//! subject) bootstrap that refits every model otherwise (standard error = the replicates' standard
//! deviation, interval = their 2.5% and 97.5% quantiles).

mod matching;
mod regression;
mod subgroup;
mod weighting;

use mlhc_core::Rng;
use rayon::prelude::*;

pub use matching::{MatchingDistance, MatchingParams};
pub use subgroup::{subgroup_effects, SubgroupEffect};
pub use weighting::{ipw_weights, IpwForm};

use crate::data::CausalData;
use crate::nuisance::{OutcomeModel, PropensityModel};
use crate::{Error, Result};

/// The standard normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The causal quantity estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimand {
    /// Average treatment effect `E[Y(1) − Y(0)]`.
    Ate,
    /// Average treatment effect on the treated `E[Y(1) − Y(0) | T = 1]`.
    Att,
}

impl Estimand {
    /// The lower-case name (`ate`, `att`).
    pub fn name(self) -> &'static str {
        match self {
            Estimand::Ate => "ate",
            Estimand::Att => "att",
        }
    }
}

/// The estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Difference of the arms' outcome means, `Ȳ₁ − Ȳ₀` (no adjustment); Welch standard error.
    Naive,
    /// Standardization / g-formula with one outcome model of `Y` on `(X, T)` (the S-learner):
    /// `τ̂ = mean(m(x, 1) − m(x, 0))` over all rows (ATE) or the treated (ATT). Bootstrap CI.
    Standardization,
    /// Inverse probability weighting with K-fold cross-fitted propensities (or, with
    /// [`PropensityFitting::InSample`], the propensity fitted on all rows), clipped to
    /// `[clip, 1 − clip]`; Horvitz–Thompson or Hajek ([`IpwForm`]). Influence-function CI that treats
    /// the weights as known (the robust sandwich of a weighted regression of `Y` on `T`, as in Hernán &
    /// Robins ch. 12).
    Ipw,
    /// Augmented IPW (doubly robust) with K-fold cross-fitted propensity and per-arm outcome models:
    /// `ψᵢ = m₁ − m₀ + T(Y − m₁)/e − (1 − T)(Y − m₀)/(1 − e)`, `τ̂ = mean ψ`. Influence-function CI.
    Aipw,
    /// T-learner: outcome models per arm, CATE `m₁(x) − m₀(x)`. Bootstrap CI.
    TLearner,
    /// X-learner (Künzel et al. 2019): imputed effects `Y − m₀(x)` on the treated and `m₁(x) − Y` on
    /// the controls, each regressed on `X`, combined as `e(x) τ₀(x) + (1 − e(x)) τ₁(x)`. Bootstrap CI.
    XLearner,
    /// DR-learner (Kennedy 2023): the cross-fitted AIPW pseudo-outcomes `ψᵢ` regressed on `X` give the
    /// CATE; the average effect is the AIPW estimate with its influence-function CI.
    DrLearner,
    /// Nearest-neighbour matching on the logit of the propensity or by Mahalanobis distance
    /// ([`MatchingParams`]). With replacement, the Abadie–Imbens (2006) standard error; without
    /// replacement, bootstrap CI.
    Matching,
}

impl Estimator {
    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Naive => "naive",
            Estimator::Standardization => "standardization",
            Estimator::Ipw => "ipw",
            Estimator::Aipw => "aipw",
            Estimator::TLearner => "tlearner",
            Estimator::XLearner => "xlearner",
            Estimator::DrLearner => "drlearner",
            Estimator::Matching => "matching",
        }
    }

    /// Every estimator, in documentation order.
    pub const ALL: [Estimator; 8] = [
        Estimator::Naive,
        Estimator::Standardization,
        Estimator::Ipw,
        Estimator::Aipw,
        Estimator::TLearner,
        Estimator::XLearner,
        Estimator::DrLearner,
        Estimator::Matching,
    ];
}

/// How the propensities that IPW weights by are fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropensityFitting {
    /// K-fold cross-fitting ([`CausalParams::folds`], folds drawn from [`CausalParams::seed`] as for
    /// AIPW): each row's propensity comes from a model fitted without its fold.
    CrossFitted,
    /// One model fitted on all rows and predicted in sample (Hernán & Robins, ch. 12).
    InSample,
}

/// How the standard error and interval were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inference {
    /// Welch's unequal-variance formula.
    Welch,
    /// The empirical variance of the influence function.
    InfluenceFunction,
    /// The Abadie–Imbens (2006) variance of matching with replacement (the matching score treated as
    /// known); interval `τ̂ ± 1.96 se`.
    AbadieImbens,
    /// A row-level bootstrap refitting every model.
    Bootstrap {
        /// Replicates.
        replicates: usize,
    },
}

/// Settings of an estimation.
#[derive(Debug, Clone, PartialEq)]
pub struct CausalParams {
    /// The estimand. By default [`Estimand::Ate`].
    pub estimand: Estimand,
    /// The estimator. By default [`Estimator::Aipw`].
    pub estimator: Estimator,
    /// The propensity model. By default L2-penalized logistic regression (λ = 1e-4, standardized).
    pub propensity: PropensityModel,
    /// The outcome models (per arm; also the CATE stage of the X- and DR-learners). By default
    /// boosted trees ([`OutcomeModel::default_gbdt`]).
    pub outcome: OutcomeModel,
    /// Cross-fitting folds for AIPW, the DR-learner and cross-fitted IPW, ≥ 2. By default 5.
    pub folds: usize,
    /// How IPW's propensities are fitted. By default [`PropensityFitting::CrossFitted`].
    pub ipw_propensity: PropensityFitting,
    /// Propensities are clipped to `[clip, 1 − clip]`, `clip` in `[0, 0.5)`. By default 0.01.
    pub clip: f64,
    /// Trimming: rows whose (in-sample) propensity lies outside `[trim, 1 − trim]` are dropped before
    /// estimation, which changes the estimand to the effect in the overlap population (Crump et al.
    /// 2009); `trim` in `(0, 0.5)`. By default `None` (no trimming).
    pub trim: Option<f64>,
    /// The IPW form. By default [`IpwForm::Hajek`].
    pub ipw: IpwForm,
    /// Matching settings. By default 1:1 with replacement, no caliper.
    pub matching: MatchingParams,
    /// Bootstrap replicates where there is no analytic standard error, ≥ 2. By default 200.
    pub bootstrap: usize,
    /// Seed of folds, bootstrap draws and tree fits. By default 0.
    pub seed: u64,
}

impl Default for CausalParams {
    fn default() -> Self {
        CausalParams {
            estimand: Estimand::Ate,
            estimator: Estimator::Aipw,
            propensity: PropensityModel::default(),
            outcome: OutcomeModel::default_gbdt(),
            folds: 5,
            ipw_propensity: PropensityFitting::CrossFitted,
            clip: 0.01,
            trim: None,
            ipw: IpwForm::Hajek,
            matching: MatchingParams::default(),
            bootstrap: 200,
            seed: 0,
        }
    }
}

impl CausalParams {
    /// Checks the documented ranges and supported combinations.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, message: String| Err(Error::InvalidParam { name, message });
        if !(0.0..0.5).contains(&self.clip) {
            return bad("clip", format!("must be in [0, 0.5), got {}", self.clip));
        }
        if let Some(t) = self.trim {
            if !(t > 0.0 && t < 0.5) {
                return bad("trim", format!("must be in (0, 0.5), got {t}"));
            }
        }
        if self.folds < 2 {
            return bad("folds", format!("must be at least 2, got {}", self.folds));
        }
        if self.bootstrap < 2 {
            return bad("bootstrap", format!("must be at least 2, got {}", self.bootstrap));
        }
        if let PropensityModel::Logistic { lambda } = self.propensity {
            if !(lambda >= 0.0 && lambda.is_finite()) {
                return bad("propensity lambda", format!("must be finite and ≥ 0, got {lambda}"));
            }
        }
        if self.estimator == Estimator::Matching && self.estimand == Estimand::Ate && !self.matching.with_replacement {
            return bad("estimand", "matching without replacement estimates the ATT only (use --estimand att)".into());
        }
        if self.matching.matches == 0 || (self.matching.matches > 1 && !self.matching.with_replacement) {
            return bad(
                "matches",
                format!("must be at least 1, and 1 without replacement, got {}", self.matching.matches),
            );
        }
        if let Some(c) = self.matching.caliper {
            if !(c > 0.0 && c.is_finite()) {
                return bad("caliper", format!("must be positive, got {c}"));
            }
        }
        Ok(())
    }
}

/// An effect estimate with its uncertainty.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
    /// The estimand.
    pub estimand: Estimand,
    /// The estimator.
    pub estimator: Estimator,
    /// Rows used.
    pub n: usize,
    /// Treated rows used.
    pub n_treated: usize,
    /// How `se` and the interval were obtained.
    pub inference: Inference,
    /// Per-row CATE predictions (T-, X- and DR-learners).
    pub cate: Option<Vec<f64>>,
    /// Per-row propensities (after clipping) where the estimator uses them.
    pub propensity: Option<Vec<f64>>,
    /// Per-row weights that balance the arms: IPW weights, or matching weights (1 per matched treated
    /// row, the number of uses per control row).
    pub weights: Option<Vec<f64>>,
    /// Rows left unmatched by the caliper (matching only; they are excluded from the estimate).
    pub n_unmatched: usize,
    /// Rows dropped by trimming ([`CausalParams::trim`]); `n` counts the rows kept.
    pub n_trimmed: usize,
}

/// What one run of an estimator gives, before inference.
#[derive(Debug, Clone, Default)]
pub(crate) struct Point {
    pub value: f64,
    pub influence: Option<Vec<f64>>,
    pub cate: Option<Vec<f64>>,
    pub propensity: Option<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
    pub n_unmatched: usize,
    pub welch_se: Option<f64>,
    pub abadie_imbens_se: Option<f64>,
}

fn point(data: &CausalData, params: &CausalParams, seed: u64) -> Result<Point> {
    match params.estimator {
        Estimator::Naive => Ok(naive(data)),
        Estimator::Standardization => regression::standardization(data, params),
        Estimator::Ipw => weighting::ipw(data, params, seed),
        Estimator::Aipw => regression::aipw(data, params, seed, false),
        Estimator::DrLearner => regression::aipw(data, params, seed, true),
        Estimator::TLearner => regression::t_learner(data, params),
        Estimator::XLearner => regression::x_learner(data, params),
        Estimator::Matching => matching::matching(data, params),
    }
}

fn naive(data: &CausalData) -> Point {
    let (mut s, mut ss, mut c) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    for (&t, &y) in data.treatment.iter().zip(&data.outcome) {
        let k = t as usize;
        s[k] += y;
        c[k] += 1.0;
    }
    let mean = [s[0] / c[0], s[1] / c[1]];
    for (&t, &y) in data.treatment.iter().zip(&data.outcome) {
        let k = t as usize;
        ss[k] += (y - mean[k]).powi(2);
    }
    let var = |k: usize| if c[k] > 1.0 { ss[k] / (c[k] - 1.0) / c[k] } else { 0.0 };
    Point { value: mean[1] - mean[0], welch_se: Some((var(0) + var(1)).sqrt()), ..Point::default() }
}

/// Linear-interpolation quantile (type 7, numpy's default) of sorted values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Row indices of a bootstrap resample with at least two rows in each arm.
fn resample(data: &CausalData, rng: &mut Rng) -> Vec<usize> {
    let n = data.n();
    loop {
        let rows: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
        let n1 = rows.iter().filter(|&&r| data.treatment[r]).count();
        if n1 >= 2 && n - n1 >= 2 {
            return rows;
        }
    }
}

/// Estimates the effect of the treatment with its standard error and 95% interval.
pub fn estimate(data: &CausalData, params: &CausalParams) -> Result<Estimate> {
    params.validate()?;
    if let Some(a) = params.trim {
        let e = propensity_scores(data, params)?;
        let rows: Vec<usize> = (0..data.n()).filter(|&i| e[i] >= a && e[i] <= 1.0 - a).collect();
        let sub = data.select(&rows);
        let mut est = estimate(&sub, &CausalParams { trim: None, ..params.clone() })?;
        est.n_trimmed = data.n() - rows.len();
        return Ok(est);
    }
    let n = data.n();
    let n1 = data.n_treated();
    if n1 < 2 || n - n1 < 2 {
        return Err(Error::Degenerate {
            message: format!("each arm needs at least 2 rows: {n1} treated, {} control", n - n1),
        });
    }
    let p = point(data, params, params.seed)?;
    let (se, lo, hi, inference) = if let Some(se) = p.welch_se {
        (se, p.value - Z95 * se, p.value + Z95 * se, Inference::Welch)
    } else if let Some(se) = p.abadie_imbens_se {
        (se, p.value - Z95 * se, p.value + Z95 * se, Inference::AbadieImbens)
    } else if let Some(phi) = &p.influence {
        let se = phi.iter().map(|v| v * v).sum::<f64>().sqrt() / phi.len() as f64;
        (se, p.value - Z95 * se, p.value + Z95 * se, Inference::InfluenceFunction)
    } else {
        let reps: Vec<f64> = (0..params.bootstrap)
            .into_par_iter()
            .map(|b| {
                let mut rng = Rng::for_stream(params.seed, b as u64 + 1);
                let rows = resample(data, &mut rng);
                point(&data.select(&rows), params, rng.next_u64()).map(|p| p.value)
            })
            .collect::<Result<Vec<f64>>>()?;
        let mean = reps.iter().sum::<f64>() / reps.len() as f64;
        let se = (reps.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (reps.len() - 1) as f64).sqrt();
        let mut sorted = reps;
        sorted.sort_by(f64::total_cmp);
        (se, quantile(&sorted, 0.025), quantile(&sorted, 0.975), Inference::Bootstrap { replicates: params.bootstrap })
    };
    Ok(Estimate {
        estimate: p.value,
        se,
        ci_low: lo,
        ci_high: hi,
        estimand: params.estimand,
        estimator: params.estimator,
        n,
        n_treated: n1,
        inference,
        cate: p.cate,
        propensity: p.propensity,
        weights: p.weights,
        n_unmatched: p.n_unmatched,
        n_trimmed: 0,
    })
}

/// The propensity model of `params` fitted on all rows, predicted in sample, unclipped (the input of
/// the overlap diagnostics).
pub fn propensity_scores(data: &CausalData, params: &CausalParams) -> Result<Vec<f64>> {
    let (x, p) = (&data.x.values, data.x.n_cols);
    Ok(crate::nuisance::fit_propensity(&params.propensity, x, p, &data.t_f64(), &data.x.names)?.predict(x, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{simulate, Scenario};

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let sim = simulate(Scenario::Nonlinear, 5000, 5, 3).unwrap();
        let params = CausalParams {
            estimator: Estimator::Aipw,
            propensity: PropensityModel::Logistic { lambda: 0.0 },
            outcome: OutcomeModel::Linear { lambda: 0.0 },
            ..CausalParams::default()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| estimate(&sim.data, &params).unwrap())
        };
        let (one, three) = (run(1), run(3));
        assert_eq!(one.estimate.to_bits(), three.estimate.to_bits());
        assert_eq!(one.se.to_bits(), three.se.to_bits());
        let boot = CausalParams { estimator: Estimator::TLearner, bootstrap: 8, ..params.clone() };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| estimate(&sim.data, &boot).unwrap())
        };
        assert_eq!(run(1), run(3));
    }
}
