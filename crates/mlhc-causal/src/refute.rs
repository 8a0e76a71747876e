//! Refutation tests: re-estimate under a change that should (or should not) move the estimate, refitting
//! every nuisance model from scratch (no propensity or outcome model is reused from the original fit).

use mlhc_core::Rng;
use mlhc_frame::Design;
use serde::Serialize;

use crate::data::CausalData;
use crate::estimate::{estimate, CausalParams, Estimate};
use crate::{Error, Result};

/// A refutation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Refuter {
    /// Replace the treatment by a random permutation of itself; the effect should vanish (DoWhy's
    /// placebo treatment refuter).
    PlaceboTreatment,
    /// Add an independent standard-normal covariate; the estimate should not move.
    RandomCommonCause,
    /// Re-estimate on a random subset of this share of the rows, in (0, 1); the estimate should stay
    /// within its interval.
    Subset {
        /// The share of rows kept.
        fraction: f64,
    },
}

/// The outcome of one refutation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refutation {
    /// The refuter.
    pub refuter: Refuter,
    /// The original estimate.
    pub original: f64,
    /// The estimate after the change.
    pub new_estimate: f64,
    /// The new estimate's 95% interval.
    pub new_ci: (f64, f64),
    /// The value the new estimate should be near: 0 for the placebo, the original otherwise.
    pub expected: f64,
    /// Whether the new interval contains the expected value.
    pub passed: bool,
}

/// Runs one refutation of `original` (the estimate of `params` on `data`) with `seed`.
pub fn refute(
    data: &CausalData,
    params: &CausalParams,
    original: &Estimate,
    refuter: Refuter,
    seed: u64,
) -> Result<Refutation> {
    let mut rng = Rng::seed_from_u64(seed);
    let (changed, expected) = match refuter {
        Refuter::PlaceboTreatment => {
            let mut t = data.treatment.clone();
            rng.shuffle(&mut t);
            (CausalData::new(data.x.clone(), t, data.outcome.clone())?, 0.0)
        }
        Refuter::RandomCommonCause => {
            let p = data.x.n_cols;
            let mut values = Vec::with_capacity(data.n() * (p + 1));
            for i in 0..data.n() {
                values.extend_from_slice(data.x.row(i));
                values.push(rng.normal());
            }
            let mut names = data.x.names.clone();
            names.push("(random common cause)".into());
            let x = Design { names, n_rows: data.n(), n_cols: p + 1, values };
            (CausalData::new(x, data.treatment.clone(), data.outcome.clone())?, original.estimate)
        }
        Refuter::Subset { fraction } => {
            if !(fraction > 0.0 && fraction < 1.0) {
                return Err(Error::InvalidParam {
                    name: "subset fraction",
                    message: format!("must be in (0, 1), got {fraction}"),
                });
            }
            let mut rows: Vec<usize> = (0..data.n()).collect();
            rng.shuffle(&mut rows);
            rows.truncate(((data.n() as f64) * fraction).round() as usize);
            rows.sort_unstable();
            let sub = data.select(&rows);
            (CausalData::new(sub.x, sub.treatment, sub.outcome)?, original.estimate)
        }
    };
    let est = estimate(&changed, &CausalParams { seed: params.seed.wrapping_add(seed), ..params.clone() })?;
    Ok(Refutation {
        refuter,
        original: original.estimate,
        new_estimate: est.estimate,
        new_ci: (est.ci_low, est.ci_high),
        expected,
        passed: est.ci_low <= expected && expected <= est.ci_high,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nuisance::{OutcomeModel, PropensityModel};
    use crate::sim::{simulate, Scenario};
    use crate::Estimator;

    #[test]
    fn refuters_on_a_simulated_study() {
        let sim = simulate(Scenario::Linear, 800, 4, 11).unwrap();
        let params = CausalParams {
            estimator: Estimator::Aipw,
            propensity: PropensityModel::Logistic { lambda: 0.0 },
            outcome: OutcomeModel::Linear { lambda: 0.0 },
            ..CausalParams::default()
        };
        let est = estimate(&sim.data, &params).unwrap();
        let placebo = refute(&sim.data, &params, &est, Refuter::PlaceboTreatment, 1).unwrap();
        assert!(placebo.passed && placebo.new_estimate.abs() < 0.3, "{placebo:?}");
        let rcc = refute(&sim.data, &params, &est, Refuter::RandomCommonCause, 2).unwrap();
        assert!(rcc.passed && (rcc.new_estimate - est.estimate).abs() < 0.05, "{rcc:?}");
        let sub = refute(&sim.data, &params, &est, Refuter::Subset { fraction: 0.8 }, 3).unwrap();
        assert!(sub.passed, "{sub:?}");
        assert!(refute(&sim.data, &params, &est, Refuter::Subset { fraction: 1.0 }, 3).is_err());
    }
}
