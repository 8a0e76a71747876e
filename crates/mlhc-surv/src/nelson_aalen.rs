//! The Nelson–Aalen estimator of the cumulative hazard.
//!
//! Tied events at a time with `n` at risk and `d` events add `Σ_{i<d} 1/(n − i)` (ties broken as if
//! the events happened one after another), with variance `Σ_{i<d} 1/(n − i)²`; the pointwise interval
//! is `H·exp(±z·√var/H)`. This is lifelines' `NelsonAalenFitter()` default
//! (`nelson_aalen_smoothing=True`); without ties it is the classic `Σ d/n`.

use serde::Serialize;

use crate::data::{check_survival, order_by_time};
use crate::error::{Error, Result};
use crate::special::normal_quantile;

/// One row of the Nelson–Aalen table, at a distinct event time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NaRow {
    /// The event time.
    pub time: f64,
    /// Subjects at risk just before `time`.
    pub at_risk: usize,
    /// Events at `time`.
    pub events: usize,
    /// `H(time)`.
    pub cumulative_hazard: f64,
    /// Variance of `H(time)`.
    pub variance: f64,
    /// Lower end of the pointwise interval.
    pub ci_low: f64,
    /// Upper end of the pointwise interval.
    pub ci_high: f64,
}

/// A fitted Nelson–Aalen cumulative hazard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NelsonAalen {
    /// One row per distinct event time, ascending.
    pub table: Vec<NaRow>,
    /// The interval's miscoverage (0.05 gives 95% intervals).
    pub alpha: f64,
}

impl NelsonAalen {
    /// Fits the cumulative hazard; `alpha` sets the interval level (0.05 for 95%).
    pub fn fit(durations: &[f64], events: &[bool], alpha: f64) -> Result<Self> {
        check_survival(durations, events)?;
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::InvalidParam { name: "alpha", message: format!("{alpha} is not in (0, 1)") });
        }
        let z = normal_quantile(1.0 - alpha / 2.0);
        let order = order_by_time(durations);
        let n = durations.len();
        let (mut h, mut var) = (0.0_f64, 0.0_f64);
        let mut table = Vec::new();
        let mut i = 0;
        while i < n {
            let time = durations[order[i]];
            let at_risk = n - i;
            let mut j = i;
            let mut d = 0;
            while j < n && durations[order[j]] == time {
                d += usize::from(events[order[j]]);
                j += 1;
            }
            if d > 0 {
                for k in 0..d {
                    let r = (at_risk - k) as f64;
                    h += 1.0 / r;
                    var += 1.0 / (r * r);
                }
                let f = (z * var.sqrt() / h).exp();
                table.push(NaRow {
                    time,
                    at_risk,
                    events: d,
                    cumulative_hazard: h,
                    variance: var,
                    ci_low: h / f,
                    ci_high: h * f,
                });
            }
            i = j;
        }
        Ok(Self { table, alpha })
    }

    /// `H(t)` (0 before the first event).
    pub fn cumulative_hazard_at(&self, t: f64) -> f64 {
        let k = self.table.partition_point(|r| r.time <= t);
        k.checked_sub(1).map_or(0.0, |k| self.table[k].cumulative_hazard)
    }
}
