//! Martingale and deviance residuals of a fitted Cox model.
//!
//! The martingale residual is `Mᵢ = δᵢ − exp((xᵢ − x̄)'β)·H₀ₛ(tᵢ)` with the Breslow baseline of the
//! subject's stratum; the deviance residual is `sign(Mᵢ)·√(−2[Mᵢ + δᵢ log(δᵢ − Mᵢ)])`. These are
//! lifelines 0.30.3's `compute_residuals(df, "martingale")` and `"deviance"`.

use super::CoxModel;
use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};

impl CoxModel {
    /// Martingale residuals of rows `x` (row-major) with their durations, events and (for a
    /// stratified model) stratum labels.
    pub fn martingale_residuals(
        &self,
        x: &[f64],
        durations: &[f64],
        events: &[bool],
        strata: Option<&[usize]>,
    ) -> Result<Vec<f64>> {
        check_survival(durations, events)?;
        let p = self.coefficients.len();
        let n = durations.len();
        check_len("covariate matrix", x.len(), n * p)?;
        let baseline_of = |i: usize| -> Result<usize> {
            match strata {
                None if self.baseline.len() == 1 => Ok(0),
                None => Err(Error::InvalidParam {
                    name: "strata",
                    message: format!("the model has {} strata; give each row's stratum", self.baseline.len()),
                }),
                Some(s) => self.baseline.iter().position(|b| b.stratum == s[i]).ok_or_else(|| Error::InvalidParam {
                    name: "strata",
                    message: format!("stratum {} was not in the fitted data", s[i]),
                }),
            }
        };
        if let Some(s) = strata {
            check_len("strata", s.len(), n)?;
        }
        (0..n)
            .map(|i| {
                let h = self.baseline[baseline_of(i)?].at(durations[i]);
                let risk = self.linear_predictor(&x[i * p..(i + 1) * p]).exp();
                Ok(f64::from(u8::from(events[i])) - risk * h)
            })
            .collect()
    }

    /// Deviance residuals (the martingale residuals made more symmetric).
    pub fn deviance_residuals(
        &self,
        x: &[f64],
        durations: &[f64],
        events: &[bool],
        strata: Option<&[usize]>,
    ) -> Result<Vec<f64>> {
        let m = self.martingale_residuals(x, durations, events, strata)?;
        Ok(m.iter()
            .zip(events)
            .map(|(&m, &e)| {
                let d = if e { 1.0 } else { 0.0 };
                let inner = if e { m + d * (d - m).ln() } else { m };
                m.signum() * (-2.0 * inner).max(0.0).sqrt()
            })
            .collect())
    }
}
