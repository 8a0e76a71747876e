//! Restricted mean survival time: the area under the Kaplan–Meier curve up to a horizon τ.
//!
//! `RMST(τ) = ∫₀^τ S(u) du`, exact for the step function; its variance is the delta-method
//! (Greenwood-type) estimate `Σ_{tᵢ ≤ τ} Aᵢ² dᵢ/(nᵢ(nᵢ − dᵢ))` with `Aᵢ = ∫_{tᵢ}^τ S(u) du`
//! (Klein & Moeschberger, section 4.5).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::km::KaplanMeier;

/// The restricted mean survival time with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rmst {
    /// The horizon τ.
    pub tau: f64,
    /// `∫₀^τ S(u) du`.
    pub estimate: f64,
    /// Its variance.
    pub variance: f64,
}

/// The restricted mean survival time of a fitted curve up to `tau`.
pub fn restricted_mean(km: &KaplanMeier, tau: f64) -> Result<Rmst> {
    if !(tau.is_finite() && tau >= 0.0) {
        return Err(Error::InvalidParam { name: "tau", message: format!("{tau} is not a finite time >= 0") });
    }
    // Steps of S: (start time, value) for the event times before tau.
    let steps: Vec<_> = km.table.iter().filter(|r| r.events > 0 && r.time < tau).collect();
    let mut estimate = 0.0;
    let mut prev_t = 0.0;
    let mut prev_s = 1.0;
    for r in &steps {
        estimate += prev_s * (r.time - prev_t);
        prev_t = r.time;
        prev_s = r.survival;
    }
    estimate += prev_s * (tau - prev_t);
    // A_i = area from t_i to tau, accumulated backwards.
    let mut variance = 0.0;
    let mut area = 0.0;
    let mut right = tau;
    for r in steps.iter().rev() {
        area += r.survival * (right - r.time);
        right = r.time;
        if r.events < r.at_risk {
            variance += area * area * r.events as f64 / (r.at_risk as f64 * (r.at_risk - r.events) as f64);
        }
    }
    Ok(Rmst { tau, estimate, variance })
}
