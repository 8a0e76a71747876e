//! Hold-out evaluation of a survival model: fit on the training rows, then Harrell's C, Uno's C,
//! Brier scores with their integral, and the cumulative/dynamic AUC on the test rows.

use rayon::prelude::*;
use serde::Serialize;

use crate::aft::AftParams;
use crate::concordance::{harrell_c, uno_c};
use crate::cox::{CoxData, CoxParams};
use crate::error::{Error, Result};
use crate::metrics::{brier_scores, cumulative_dynamic_auc, BrierScores, DynamicAuc};
use crate::rsf::RsfParams;
use crate::table::SurvivalTable;

/// The model to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// Cox proportional hazards; risk is the linear predictor, survival the Breslow curve.
    Cox(CoxParams),
    /// A parametric AFT model; risk is minus the log-time location.
    Aft(AftParams),
    /// A random survival forest; risk is the forest's summed cumulative hazard. It gives no survival
    /// curves here, so Brier times are an error; its training log-likelihood is reported as 0.
    Rsf(RsfParams),
}

/// What to compute on the test rows.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSpec {
    /// Times for the Brier scores (ascending, inside the test follow-up).
    pub brier_times: Vec<f64>,
    /// Times for the cumulative/dynamic AUC (ascending, inside the test follow-up).
    pub auc_times: Vec<f64>,
    /// Uno's C counts only events before this time. By default (`None`), all; the training censoring
    /// survival must then stay above 0 at every test event time.
    pub uno_tau: Option<f64>,
    /// Bootstrap resamples of the test rows for percentile intervals of the concordance indices
    /// (0: no intervals). By default, 0.
    pub bootstrap: usize,
    /// Seed of the bootstrap; replicate b draws from stream b of this seed, so the intervals do not
    /// depend on the number of threads. By default, 0.
    pub seed: u64,
    /// Miscoverage of the bootstrap intervals. By default, 0.05.
    pub alpha: f64,
}

impl Default for EvalSpec {
    fn default() -> Self {
        Self { brier_times: Vec::new(), auc_times: Vec::new(), uno_tau: None, bootstrap: 0, seed: 0, alpha: 0.05 }
    }
}

/// Hold-out metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Harrell's C on the test rows.
    pub harrell_c: f64,
    /// Uno's C on the test rows (censoring distribution from the training rows, truncated at
    /// [`EvalSpec::uno_tau`]).
    pub uno_c: f64,
    /// Bootstrap percentile interval of Harrell's C (absent without resamples).
    pub harrell_c_ci: Option<[f64; 2]>,
    /// Bootstrap percentile interval of Uno's C (absent without resamples).
    pub uno_c_ci: Option<[f64; 2]>,
    /// Brier scores and the integrated Brier score (absent without Brier times).
    pub brier: Option<BrierScores>,
    /// Cumulative/dynamic AUC (absent without AUC times).
    pub auc: Option<DynamicAuc>,
    /// The training log-likelihood (partial for Cox).
    pub train_log_likelihood: f64,
}

/// A seeded random split: `true` marks the `round(test_fraction · n)` test rows (mlhc's xoshiro256++
/// Fisher–Yates shuffle; the same seed always gives the same split).
pub fn random_split(n: usize, test_fraction: f64, seed: u64) -> Result<Vec<bool>> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::InvalidParam {
            name: "test_fraction",
            message: format!("{test_fraction} is not in (0, 1)"),
        });
    }
    let mut rows: Vec<usize> = (0..n).collect();
    mlhc_core::Rng::seed_from_u64(seed).shuffle(&mut rows);
    let n_test = (test_fraction * n as f64).round() as usize;
    let mut is_test = vec![false; n];
    for &r in &rows[..n_test] {
        is_test[r] = true;
    }
    Ok(is_test)
}

/// Fits `model` on the rows where `is_test` is false and evaluates it on the others.
pub fn holdout(table: &SurvivalTable, is_test: &[bool], model: &Model, spec: &EvalSpec) -> Result<Evaluation> {
    crate::data::check_len("split", is_test.len(), table.n_rows())?;
    let p = table.names.len();
    let pick = |test: bool| -> (Vec<f64>, Vec<bool>, Vec<f64>) {
        let rows: Vec<usize> = (0..table.n_rows()).filter(|&i| is_test[i] == test).collect();
        (
            rows.iter().map(|&i| table.durations[i]).collect(),
            rows.iter().map(|&i| table.events[i]).collect(),
            rows.iter().flat_map(|&i| table.x[i * p..(i + 1) * p].iter().copied()).collect(),
        )
    };
    let (train_d, train_e, train_x) = pick(false);
    let (test_d, test_e, test_x) = pick(true);
    if test_d.is_empty() || train_d.is_empty() {
        return Err(Error::InvalidParam {
            name: "split",
            message: format!("{} training and {} test rows; both must be non-empty", train_d.len(), test_d.len()),
        });
    }
    let n_test = test_d.len();
    let grid = &spec.brier_times;
    let (risk, survival, train_ll) = match model {
        Model::Cox(params) => {
            let m = params.fit(&CoxData::new(&train_x, &table.names, &train_d, &train_e))?;
            let risk: Vec<f64> = test_x.chunks_exact(p.max(1)).map(|r| m.linear_predictor(r)).collect();
            let survival: Vec<f64> = if grid.is_empty() {
                Vec::new()
            } else {
                m.survival_curves(&test_x, None, grid, 65_536)?.flatten().collect()
            };
            (risk, survival, m.log_likelihood)
        }
        Model::Rsf(params) => {
            if !grid.is_empty() {
                return Err(Error::InvalidParam {
                    name: "brier_times",
                    message: "Brier scores need survival curves, which the forest does not provide here".into(),
                });
            }
            let forest = params.fit(&train_x, p, &train_d, &train_e)?;
            (forest.predict_risk(&test_x)?, Vec::new(), 0.0)
        }
        Model::Aft(params) => {
            let m = params.fit(&train_x, &table.names, &train_d, &train_e)?;
            let rows: Vec<&[f64]> = test_x.chunks_exact(p.max(1)).collect();
            let risk = rows.iter().map(|r| -m.location(r)).collect();
            let survival = rows.iter().flat_map(|r| grid.iter().map(|&t| m.survival_at(r, t))).collect();
            (risk, survival, m.log_likelihood)
        }
    };
    let harrell = harrell_c(&test_d, &test_e, &risk)?.c_index;
    let uno = uno_c(&train_d, &train_e, &test_d, &test_e, &risk, spec.uno_tau)?.c_index;
    let (harrell_c_ci, uno_c_ci) = if spec.bootstrap > 0 {
        let reps: Vec<Result<(f64, f64)>> = (0..spec.bootstrap)
            .into_par_iter()
            .map(|b| {
                let mut rng = mlhc_core::Rng::for_stream(spec.seed, b as u64);
                let idx: Vec<usize> = (0..n_test).map(|_| rng.below(n_test as u64) as usize).collect();
                let d: Vec<f64> = idx.iter().map(|&i| test_d[i]).collect();
                let e: Vec<bool> = idx.iter().map(|&i| test_e[i]).collect();
                let r: Vec<f64> = idx.iter().map(|&i| risk[i]).collect();
                let h = harrell_c(&d, &e, &r)?.c_index;
                let u = uno_c(&train_d, &train_e, &d, &e, &r, spec.uno_tau)?.c_index;
                Ok((h, u))
            })
            .collect();
        let reps = reps.into_iter().collect::<Result<Vec<_>>>()?;
        let h: Vec<f64> = reps.iter().map(|r| r.0).collect();
        let u: Vec<f64> = reps.iter().map(|r| r.1).collect();
        (Some(percentile_interval(h, spec.alpha)), Some(percentile_interval(u, spec.alpha)))
    } else {
        (None, None)
    };
    let brier =
        if grid.is_empty() { None } else { Some(brier_scores(&train_d, &train_e, &test_d, &test_e, &survival, grid)?) };
    let auc = if spec.auc_times.is_empty() {
        None
    } else {
        let m = spec.auc_times.len();
        let wide: Vec<f64> = risk.iter().flat_map(|&r| std::iter::repeat_n(r, m)).collect();
        Some(cumulative_dynamic_auc(&train_d, &train_e, &test_d, &test_e, &wide, &spec.auc_times)?)
    };
    Ok(Evaluation {
        n_train: train_d.len(),
        n_test,
        harrell_c: harrell,
        uno_c: uno,
        harrell_c_ci,
        uno_c_ci,
        brier,
        auc,
        train_log_likelihood: train_ll,
    })
}

/// The `alpha/2` and `1 − alpha/2` empirical quantiles (linear interpolation between order statistics).
fn percentile_interval(mut values: Vec<f64>, alpha: f64) -> [f64; 2] {
    values.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * (values.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        values[lo] + (h - lo as f64) * (values[hi] - values[lo])
    };
    [q(alpha / 2.0), q(1.0 - alpha / 2.0)]
}
