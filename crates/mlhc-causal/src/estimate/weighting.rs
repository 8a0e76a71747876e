//! Inverse probability weighting.

use crate::data::CausalData;
use crate::estimate::regression::cross_fit_propensity;
use crate::estimate::{CausalParams, Estimand, Point, PropensityFitting};
use crate::nuisance::fit_propensity;
use crate::Result;

/// How the weighted arm means are normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpwForm {
    /// Horvitz–Thompson: `μ̂₁ = (1/n) Σ Tᵢ wᵢ Yᵢ` with the weights summing to n only in expectation.
    HorvitzThompson,
    /// Hajek (self-normalized): `μ̂₁ = Σ Tᵢ wᵢ Yᵢ / Σ Tᵢ wᵢ`, the same for stabilized and plain weights;
    /// equal to the coefficient of `T` in a weighted regression of `Y` on `T`.
    Hajek,
}

/// Inverse probability weights from propensities `e`.
///
/// ATE: `1/e` for the treated and `1/(1 − e)` for controls; stabilized, the numerators are the arms'
/// shares `P̂(T = 1)` and `P̂(T = 0)`. ATT: 1 for the treated and `e/(1 − e)` for controls (stabilized:
/// the controls' weights times `P̂(T = 0)/P̂(T = 1)`).
pub fn ipw_weights(e: &[f64], treatment: &[bool], estimand: Estimand, stabilized: bool) -> Vec<f64> {
    let n = treatment.len() as f64;
    let p1 = treatment.iter().filter(|&&t| t).count() as f64 / n;
    let (s1, s0) = if stabilized { (p1, 1.0 - p1) } else { (1.0, 1.0) };
    e.iter()
        .zip(treatment)
        .map(|(&e, &t)| match (estimand, t) {
            (Estimand::Ate, true) => s1 / e,
            (Estimand::Ate, false) => s0 / (1.0 - e),
            (Estimand::Att, true) => 1.0,
            (Estimand::Att, false) => e / (1.0 - e) * if stabilized { s0 / s1 } else { 1.0 },
        })
        .collect()
}

/// Clips propensities to `[clip, 1 − clip]`.
pub(crate) fn clip_all(e: &mut [f64], clip: f64) {
    for v in e {
        *v = v.clamp(clip, 1.0 - clip);
    }
}

pub(crate) fn ipw(data: &CausalData, params: &CausalParams, seed: u64) -> Result<Point> {
    let (x, p) = (&data.x.values, data.x.n_cols);
    let mut e = match params.ipw_propensity {
        PropensityFitting::InSample => {
            fit_propensity(&params.propensity, x, p, &data.t_f64(), &data.x.names)?.predict(x, p)
        }
        PropensityFitting::CrossFitted => cross_fit_propensity(data, params, seed)?,
    };
    clip_all(&mut e, params.clip);
    let w = ipw_weights(&e, &data.treatment, params.estimand, false);
    let n = data.n() as f64;
    let y = &data.outcome;
    let (mut sw1, mut sw0, mut swy1, mut swy0) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..data.n() {
        if data.treatment[i] {
            sw1 += w[i];
            swy1 += w[i] * y[i];
        } else {
            sw0 += w[i];
            swy0 += w[i] * y[i];
        }
    }
    let (value, phi): (f64, Vec<f64>) = match params.ipw {
        IpwForm::Hajek => {
            let (mu1, mu0) = (swy1 / sw1, swy0 / sw0);
            let (d1, d0) = (sw1 / n, sw0 / n);
            let phi = (0..data.n())
                .map(|i| if data.treatment[i] { w[i] * (y[i] - mu1) / d1 } else { -w[i] * (y[i] - mu0) / d0 })
                .collect();
            (mu1 - mu0, phi)
        }
        IpwForm::HorvitzThompson => {
            // ATT: the treated mean is the plain mean over the treated; the control term is scaled by
            // the treated share.
            let n1 = sw1.max(f64::MIN_POSITIVE);
            let (scale1, scale0) = match params.estimand {
                Estimand::Ate => (n, n),
                Estimand::Att => (n1, n1),
            };
            let value = swy1 / scale1 - swy0 / scale0;
            let phi: Vec<f64> = (0..data.n())
                .map(|i| {
                    let term = if data.treatment[i] { w[i] * y[i] } else { -w[i] * y[i] };
                    let tw = if data.treatment[i] && params.estimand == Estimand::Att { 1.0 } else { 0.0 };
                    match params.estimand {
                        Estimand::Ate => term - value,
                        Estimand::Att => (term - tw * value) * n / n1,
                    }
                })
                .collect();
            (value, phi)
        }
    };
    Ok(Point { value, influence: Some(phi), propensity: Some(e), weights: Some(w), ..Point::default() })
}
