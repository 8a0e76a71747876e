//! The Kaplan–Meier estimator with Greenwood variance, log(−log) confidence intervals and the median.
//!
//! `S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ)` over distinct event times; Greenwood's `Σ dᵢ/(nᵢ(nᵢ − dᵢ))`; the
//! pointwise interval is built on `log(−log S)` ("exponential Greenwood"), as lifelines'
//! `KaplanMeierFitter` and R's `survfit(conf.type = "log-log")` do. The median is the first time at
//! which `S(t) ≤ 0.5`, and its interval is the same quantity read off the lower and upper curves
//! (lifelines' `median_survival_times(kmf.confidence_interval_)`).

use serde::Serialize;

use crate::data::{check_survival, order_by_time};
use crate::error::{Error, Result};
use crate::special::normal_quantile;

/// One row of the Kaplan–Meier table, at a distinct observed time (event or censoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmRow {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before `time` (duration ≥ `time`).
    pub at_risk: usize,
    /// Events at `time`.
    pub events: usize,
    /// Subjects censored at `time`.
    pub censored: usize,
    /// `S(time)`.
    pub survival: f64,
    /// Greenwood's sum `Σ_{tᵢ ≤ time} dᵢ/(nᵢ(nᵢ − dᵢ))` (infinite once every subject at risk has died).
    pub greenwood: f64,
    /// Lower end of the pointwise log(−log) interval.
    pub ci_low: f64,
    /// Upper end of the pointwise log(−log) interval.
    pub ci_high: f64,
}

/// A fitted Kaplan–Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    /// One row per distinct observed time, ascending.
    pub table: Vec<KmRow>,
    /// Subjects.
    pub n: usize,
    /// Events.
    pub n_events: usize,
    /// The interval's miscoverage: 0.05 gives 95% intervals.
    pub alpha: f64,
}

/// An estimate read off the curve at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmPoint {
    /// The requested time.
    pub time: f64,
    /// `S(time)`.
    pub survival: f64,
    /// Lower end of the pointwise interval.
    pub ci_low: f64,
    /// Upper end of the pointwise interval.
    pub ci_high: f64,
    /// Subjects at risk at `time` (duration ≥ `time`).
    pub at_risk: usize,
}

/// Median survival with its interval; `None` where a curve never reaches 0.5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Median {
    /// First time with `S(t) ≤ 0.5`.
    pub median: Option<f64>,
    /// The same read off the lower curve.
    pub ci_low: Option<f64>,
    /// The same read off the upper curve.
    pub ci_high: Option<f64>,
}

impl KaplanMeier {
    /// Fits the curve; `alpha` sets the interval level (0.05 for 95%, lifelines' default).
    pub fn fit(durations: &[f64], events: &[bool], alpha: f64) -> Result<Self> {
        check_survival(durations, events)?;
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::InvalidParam { name: "alpha", message: format!("{alpha} is not in (0, 1)") });
        }
        let z = normal_quantile(1.0 - alpha / 2.0);
        let order = order_by_time(durations);
        let n = durations.len();
        let mut table = Vec::new();
        let (mut survival, mut greenwood) = (1.0_f64, 0.0_f64);
        let mut i = 0;
        let mut n_events = 0;
        while i < n {
            let time = durations[order[i]];
            let at_risk = n - i;
            let mut d = 0;
            let mut j = i;
            while j < n && durations[order[j]] == time {
                d += usize::from(events[order[j]]);
                j += 1;
            }
            let censored = (j - i) - d;
            if d > 0 {
                survival *= 1.0 - d as f64 / at_risk as f64;
                greenwood +=
                    if d < at_risk { d as f64 / (at_risk as f64 * (at_risk - d) as f64) } else { f64::INFINITY };
            }
            n_events += d;
            let (ci_low, ci_high) = loglog_interval(survival, greenwood, z);
            table.push(KmRow { time, at_risk, events: d, censored, survival, greenwood, ci_low, ci_high });
            i = j;
        }
        Ok(Self { table, n, n_events, alpha })
    }

    /// The index of the last table row with `time ≤ t`, if any.
    fn row_at(&self, t: f64) -> Option<usize> {
        let k = self.table.partition_point(|r| r.time <= t);
        k.checked_sub(1)
    }

    /// `S(t)` (1 before the first event).
    pub fn survival_at(&self, t: f64) -> f64 {
        self.row_at(t).map_or(1.0, |k| self.table[k].survival)
    }

    /// The estimate, interval and number at risk at time `t`.
    pub fn at(&self, t: f64) -> KmPoint {
        let at_risk = self.table.get(self.table.partition_point(|r| r.time < t)).map_or(0, |r| r.at_risk);
        match self.row_at(t) {
            None => KmPoint { time: t, survival: 1.0, ci_low: 1.0, ci_high: 1.0, at_risk },
            Some(k) => {
                let r = &self.table[k];
                KmPoint { time: t, survival: r.survival, ci_low: r.ci_low, ci_high: r.ci_high, at_risk }
            }
        }
    }

    /// The median survival time and its interval.
    pub fn median(&self) -> Median {
        self.quantile(0.5)
    }

    /// The first time at which survival falls to `q` or below (and the same for the interval's curves).
    pub fn quantile(&self, q: f64) -> Median {
        let first = |f: fn(&KmRow) -> f64| self.table.iter().find(|r| f(r) <= q).map(|r| r.time);
        Median { median: first(|r| r.survival), ci_low: first(|r| r.ci_low), ci_high: first(|r| r.ci_high) }
    }
}

/// The log(−log) interval for `S` with Greenwood sum `g`: `S^exp(±z √g / |log S|)`.
fn loglog_interval(s: f64, g: f64, z: f64) -> (f64, f64) {
    if s >= 1.0 {
        return (1.0, 1.0);
    }
    if s <= 0.0 || !g.is_finite() {
        return (0.0, 0.0);
    }
    let half = z * g.sqrt() / s.ln().abs();
    (s.powf(half.exp()), s.powf((-half).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_curve() {
        // Times 1,2,2,3+,4: S(1) = 4/5, S(2) = 4/5·1/4... at t=2 n=4, d=2 -> 0.8·0.5 = 0.4; t=4: n=1, d=1 -> 0.
        let durations = [1.0, 2.0, 2.0, 3.0, 4.0];
        let events = [true, true, true, false, true];
        let km = KaplanMeier::fit(&durations, &events, 0.05).unwrap();
        assert_eq!(km.table.len(), 4);
        assert!((km.survival_at(0.5) - 1.0).abs() < 1e-15);
        assert!((km.survival_at(1.0) - 0.8).abs() < 1e-15);
        assert!((km.survival_at(3.5) - 0.4).abs() < 1e-15);
        assert_eq!(km.survival_at(4.0), 0.0);
        // Greenwood at t=2: 1/(5·4) + 2/(4·2) = 0.3.
        assert!((km.table[1].greenwood - 0.3).abs() < 1e-15);
        assert_eq!(km.median().median, Some(2.0));
        assert_eq!(km.at(3.0).at_risk, 2);
        assert_eq!(km.at(2.5).at_risk, 2);
        assert_eq!(km.at(9.0).at_risk, 0);
        let p = km.at(1.0);
        assert!(p.ci_low < 0.8 && 0.8 < p.ci_high);
    }

    #[test]
    fn all_censored_stays_at_one_without_a_median() {
        let km = KaplanMeier::fit(&[3.0, 1.0], &[false, false], 0.05).unwrap();
        assert_eq!(km.survival_at(5.0), 1.0);
        assert_eq!(km.median(), Median { median: None, ci_low: None, ci_high: None });
        assert_eq!(km.n_events, 0);
    }
}
