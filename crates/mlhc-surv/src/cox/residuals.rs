//! Residuals of a fitted Cox model and the proportional-hazards test.
//!
//! The martingale residual is `Mᵢ = δᵢ − exp((xᵢ − x̄)'β)·H₀ₛ(tᵢ)` with the Breslow baseline of the
//! subject's stratum; the deviance residual is `sign(Mᵢ)·√(−2[Mᵢ + δᵢ log(δᵢ − Mᵢ)])`. The Schoenfeld
//! residual of an event is `xᵢ − x̄(tᵢ)`, with x̄ the risk-weighted covariate mean of its risk set
//! (averaged over the Efron terms of its tie block). The proportional-hazards test of covariate j
//! (Grambsch & Therneau's score test in lifelines' form) is
//! `Tⱼ = (Σᵢ g̃ᵢ r*ᵢⱼ)² / (d·Vⱼⱼ·Σᵢ g̃ᵢ²)`, chi-square with 1 degree of freedom, where the sums run over
//! the d events, `r* = d·r·V` are the scaled Schoenfeld residuals, V the covariance of β and g̃ the
//! centred transformed event times. These are lifelines 0.30.3's `compute_residuals(df, kind)` for
//! "martingale", "deviance" and "schoenfeld", and `proportional_hazard_test(cph, df, time_transform)`.

use serde::Serialize;

use super::{CoxModel, Ties};
use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};
use crate::km::KaplanMeier;
use crate::special::chi2_sf;

/// How event times are transformed before they are correlated with the scaled Schoenfeld residuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeTransform {
    /// g(t) = t.
    Identity,
    /// g(t) = log t.
    Log,
    /// g(t) = 1 − Ŝ(t), Ŝ the Kaplan–Meier estimate of all rows (R's `cox.zph` default).
    KaplanMeier,
}

/// Schoenfeld residuals: one row per event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schoenfeld {
    /// The input rows of the events, ascending.
    pub rows: Vec<usize>,
    /// Residuals, row-major `rows.len() × p`.
    pub values: Vec<f64>,
}

/// The proportional-hazards test, one statistic per covariate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhTest {
    /// The time transform used.
    pub transform: TimeTransform,
    /// Covariate names.
    pub names: Vec<String>,
    /// Chi-square statistics (1 degree of freedom each).
    pub statistic: Vec<f64>,
    /// Their p-values.
    pub p_value: Vec<f64>,
}

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
        let baseline_of = self.baseline_indices(strata, n)?;
        (0..n)
            .map(|i| {
                let h = self.baseline[baseline_of[i]].at(durations[i]);
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

impl CoxModel {
    /// For each row, the index of its stratum's baseline.
    fn baseline_indices(&self, strata: Option<&[usize]>, n: usize) -> Result<Vec<usize>> {
        if self.start_stop {
            return Err(Error::InvalidParam {
                name: "entries",
                message: "residuals of a start-stop fit are not provided".into(),
            });
        }
        match strata {
            None if self.baseline.len() == 1 => Ok(vec![0; n]),
            None => Err(Error::InvalidParam {
                name: "strata",
                message: format!("the model has {} strata; give each row's stratum", self.baseline.len()),
            }),
            Some(s) => {
                check_len("strata", s.len(), n)?;
                s.iter()
                    .map(|label| {
                        self.baseline.iter().position(|b| b.stratum == *label).ok_or_else(|| Error::InvalidParam {
                            name: "strata",
                            message: format!("stratum {label} was not in the fitted data"),
                        })
                    })
                    .collect()
            }
        }
    }

    /// Schoenfeld residuals of the event rows (unit weights unless `weights` is given).
    pub fn schoenfeld_residuals(
        &self,
        x: &[f64],
        durations: &[f64],
        events: &[bool],
        strata: Option<&[usize]>,
        weights: Option<&[f64]>,
    ) -> Result<Schoenfeld> {
        check_survival(durations, events)?;
        crate::data::check_weights(weights, durations.len())?;
        let p = self.coefficients.len();
        let n = durations.len();
        check_len("covariate matrix", x.len(), n * p)?;
        let stratum = self.baseline_indices(strata, n)?;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| stratum[a].cmp(&stratum[b]).then(durations[b].total_cmp(&durations[a])));
        let centred = |i: usize, j: usize| x[i * p + j] - self.means[j];
        let mut resid = vec![f64::NAN; n * p];
        let (mut s1, mut s1d, mut zbar) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        let mut s0 = 0.0;
        let mut k = 0;
        while k < n {
            if k == 0 || stratum[order[k]] != stratum[order[k - 1]] {
                s0 = 0.0;
                s1.iter_mut().for_each(|v| *v = 0.0);
            }
            let (s, t) = (stratum[order[k]], durations[order[k]]);
            let mut end = k;
            let (mut s0d, mut d) = (0.0, 0usize);
            s1d.iter_mut().for_each(|v| *v = 0.0);
            while end < n && stratum[order[end]] == s && durations[order[end]] == t {
                let i = order[end];
                let r = weights.map_or(1.0, |w| w[i]) * self.linear_predictor(&x[i * p..(i + 1) * p]).exp();
                s0 += r;
                for j in 0..p {
                    s1[j] += r * centred(i, j);
                }
                if events[i] {
                    s0d += r;
                    d += 1;
                    for j in 0..p {
                        s1d[j] += r * centred(i, j);
                    }
                }
                end += 1;
            }
            if d > 0 {
                let nt = if self.ties == Ties::Efron { d } else { 1 };
                zbar.iter_mut().for_each(|v| *v = 0.0);
                for jj in 0..nt {
                    let f = jj as f64 / nt as f64;
                    let den = s0 - f * s0d;
                    for j in 0..p {
                        zbar[j] += (s1[j] - f * s1d[j]) / den / nt as f64;
                    }
                }
                for &i in order[k..end].iter().filter(|&&i| events[i]) {
                    for j in 0..p {
                        resid[i * p + j] = centred(i, j) - zbar[j];
                    }
                }
            }
            k = end;
        }
        let rows: Vec<usize> = (0..n).filter(|&i| events[i]).collect();
        let values = rows.iter().flat_map(|&i| resid[i * p..(i + 1) * p].iter().copied()).collect();
        Ok(Schoenfeld { rows, values })
    }

    /// The proportional-hazards test of each covariate on the fitting data.
    pub fn proportional_hazards_test(
        &self,
        x: &[f64],
        durations: &[f64],
        events: &[bool],
        strata: Option<&[usize]>,
        transform: TimeTransform,
    ) -> Result<PhTest> {
        let res = self.schoenfeld_residuals(x, durations, events, strata, None)?;
        let p = self.coefficients.len();
        let d = res.rows.len() as f64;
        if res.rows.is_empty() {
            return Err(Error::NoEvents { rows: durations.len() });
        }
        let km = match transform {
            TimeTransform::KaplanMeier => Some(KaplanMeier::fit(durations, events, 0.05)?),
            _ => None,
        };
        let mut g: Vec<f64> = res
            .rows
            .iter()
            .map(|&i| {
                let t = durations[i];
                match transform {
                    TimeTransform::Identity => t,
                    TimeTransform::Log => t.ln(),
                    TimeTransform::KaplanMeier => 1.0 - km.as_ref().map_or(1.0, |k| k.survival_at(t)),
                }
            })
            .collect();
        let mean = g.iter().sum::<f64>() / d;
        g.iter_mut().for_each(|v| *v -= mean);
        let gg: f64 = g.iter().map(|v| v * v).sum();
        let v = &self.covariance;
        let mut statistic = vec![0.0; p];
        for j in 0..p {
            // Σᵢ g̃ᵢ r*ᵢⱼ with r* = d·r·V.
            let mut num = 0.0;
            for (e, gi) in g.iter().enumerate() {
                let rstar: f64 = (0..p).map(|l| res.values[e * p + l] * v[l * p + j]).sum::<f64>() * d;
                num += gi * rstar;
            }
            statistic[j] = num * num / (d * v[j * p + j] * gg);
        }
        let p_value = statistic.iter().map(|&t| chi2_sf(t, 1.0)).collect();
        Ok(PhTest { transform, names: self.names.clone(), statistic, p_value })
    }
}
