//! Elastic-net Cox regression on sparse designs by coordinate descent (glmnet's algorithm).
//!
//! The fit minimizes `−ℓ(β)/n + λ·(r·Σⱼ|γⱼ| + (1 − r)/2·Σⱼγⱼ²)` with `γⱼ = βⱼ·sdⱼ`, where ℓ is the
//! partial log-likelihood (Breslow's by default, or Efron's, optionally stratified), n the number of
//! rows, λ the penalizer, r the L1 share and sdⱼ the sample standard deviation of column j (the
//! standardization of the penalty). With Breslow ties and no strata this is scikit-survival's
//! `CoxnetSurvivalAnalysis(alphas=[λ], l1_ratio=r, normalize=False)` fitted on the columns divided by
//! their sample sd (which supports neither Efron ties nor strata); in every case it is the same problem
//! as the dense [`crate::CoxParams`] with the same ties, strata, penalizer and L1 share.
//!
//! The algorithm is that of Simon, Friedman, Hastie & Tibshirani (2011, J. Stat. Softw. 39(5)): an
//! outer loop replaces −ℓ by its second-order expansion in the linear predictor η = Xβ with the
//! Hessian's diagonal only (weights wᵢ and working residuals), and an inner loop solves the resulting
//! penalized weighted least squares by cyclic coordinate descent with soft-thresholding, which gives
//! exact zeros. The inner loop sweeps the active (non-zero) coefficients until they settle, then all
//! columns once; it stops when a full sweep changes nothing. A move of the outer loop that increases
//! the objective is halved until it does not; one that decreases it is doubled while that decreases it
//! further (keeping the zero and sign pattern), since the diagonal weights overstate the curvature
//! along directions that whole risk sets share. Standardization is implicit (each column's sd scales its
//! update), and the partial likelihood does not depend on centring, so the design stays sparse: a
//! sweep over column j costs its stored entries. [`SparseCoxParams::fit_path`] fits a decreasing
//! sequence of penalties, each started at the previous solution (warm starts).
//!
//! ```
//! use mlhc_core::{CscMatrix, CsrMatrix};
//! use mlhc_surv::{SparseCoxData, SparseCoxParams};
//!
//! // Column 0 raises the hazard; column 1 is stored in one row only.
//! let mut m = CsrMatrix::new(2);
//! for row in [vec![(0, 1.0)], vec![], vec![(0, 1.0), (1, 2.0)], vec![], vec![(0, 1.0)], vec![]] {
//!     m.push_row(&row);
//! }
//! let x = CscMatrix::from_csr(&m);
//! let (t, e) = ([1.0, 5.0, 2.0, 6.0, 3.5, 3.0], [true, true, true, false, true, true]);
//! let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
//! let fit = SparseCoxParams { penalizer: 0.2, l1_ratio: 1.0, ..SparseCoxParams::default() }.fit(&data).unwrap();
//! assert!(fit.coef[0] > 0.0, "{:?}", fit.coef);
//! assert_eq!(fit.coef[1], 0.0); // an exact zero from the L1 penalty
//! ```

use mlhc_core::CscMatrix;

use crate::cox::Ties;
use crate::data::encode_labels;
use crate::error::{Error, Result};

/// Options of a sparse elastic-net Cox fit.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseCoxParams {
    /// Penalty strength λ > 0. By default, 0.01.
    pub penalizer: f64,
    /// The L1 share r of the penalty, in [0, 1]. By default, 1 (lasso).
    pub l1_ratio: f64,
    /// Outer (quadratic approximation) iterations allowed per penalty. By default, 10,000 (a
    /// well-conditioned fit takes tens; nearly separated rare columns take hundreds).
    pub max_iter: usize,
    /// Convergence tolerance on the largest weighted coefficient change `|Δγⱼ|·√(vⱼ/n)` of a sweep.
    /// By default, 1e-9.
    pub tol: f64,
    /// Ties handling. By default, [`Ties::Breslow`] (scikit-survival's Coxnet).
    pub ties: Ties,
}

impl Default for SparseCoxParams {
    fn default() -> Self {
        Self { penalizer: 0.01, l1_ratio: 1.0, max_iter: 10_000, tol: 1e-9, ties: Ties::Breslow }
    }
}

/// The data of a sparse Cox fit: a column-major sparse design and one duration and event flag per row.
#[derive(Debug, Clone, Copy)]
pub struct SparseCoxData<'a> {
    /// Covariates, `n × p`, column-major; absent entries are zeros.
    pub x: &'a CscMatrix,
    /// Time to event or censoring, one per row.
    pub durations: &'a [f64],
    /// Whether the event was observed, one per row.
    pub events: &'a [bool],
    /// Stratum labels, one per row (any integers): each stratum has its own risk sets. By default
    /// (`None`), one stratum.
    pub strata: Option<&'a [usize]>,
}

/// A fitted sparse elastic-net Cox model.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseCoxModel {
    /// Coefficients βⱼ on the scale of the covariates as given, one per column; exact zeros for
    /// coefficients the L1 penalty removed, and for constant columns.
    pub coef: Vec<f64>,
    /// The partial log-likelihood ℓ(β) (with the fit's ties and strata).
    pub log_likelihood: f64,
    /// The penalty λ·(r·Σ|γⱼ| + (1 − r)/2·Σγⱼ²) at the solution (per row; multiply by n for ℓ's scale).
    pub penalty: f64,
    /// The penalizer λ of this fit.
    pub penalizer: f64,
    /// Outer iterations taken.
    pub iterations: usize,
    /// Rows.
    pub n: usize,
    /// Observed events.
    pub n_events: usize,
}

impl SparseCoxModel {
    /// The number of non-zero coefficients.
    pub fn n_nonzero(&self) -> usize {
        self.coef.iter().filter(|&&b| b != 0.0).count()
    }
}

/// Row order and tie structure of the data, shared by every evaluation.
struct Risk {
    /// Rows sorted by stratum, then increasing duration.
    order: Vec<usize>,
    /// For each position in `order`, the start of its tie block (same stratum and duration).
    block_start: Vec<usize>,
    /// Event count of each tie block, stored at the block's start position.
    deaths: Vec<f64>,
    /// For each position in `order`, the start and end of its stratum.
    stratum: Vec<(usize, usize)>,
    ties: Ties,
}

impl Risk {
    fn new(durations: &[f64], events: &[bool], strata: Option<&[usize]>, ties: Ties) -> Self {
        let n = durations.len();
        let codes = match strata {
            Some(s) => encode_labels(s).0,
            None => vec![0; n],
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| codes[a].cmp(&codes[b]).then(durations[a].total_cmp(&durations[b])));
        let mut block_start = vec![0; n];
        let mut deaths = vec![0.0; n];
        let mut stratum = vec![(0, n); n];
        let mut first = 0;
        for k in 0..n {
            let same_stratum = k > 0 && codes[order[k]] == codes[order[k - 1]];
            if k > 0 && !same_stratum {
                stratum[first..k].iter_mut().for_each(|s| *s = (first, k));
                first = k;
            }
            let s = if same_stratum && durations[order[k]] == durations[order[k - 1]] { block_start[k - 1] } else { k };
            block_start[k] = s;
            if events[order[k]] {
                deaths[s] += 1.0;
            }
        }
        stratum[first..n].iter_mut().for_each(|s| *s = (first, n));
        Self { order, block_start, deaths, stratum, ties }
    }

    /// The log-likelihood at η, and (when `grad` is given) the gradient g = ∂ℓ/∂η and the diagonal
    /// w = −∂²ℓ/∂η² per row.
    ///
    /// A tie block with d events, risk-set sum D and event sum E has terms j = 0..d−1 with denominators
    /// `D − fⱼ·E` (Efron: fⱼ = j/d, each with weight 1; Breslow: one term, f = 0, weight d). A row at
    /// risk there gains `Σ wt/den` in its gradient weight and `Σ wt/den²` in its curvature weight; an
    /// event of the block itself takes part in the terms only with the share 1 − fⱼ.
    fn evaluate(&self, eta: &[f64], events: &[bool], grad: Option<(&mut [f64], &mut [f64])>) -> f64 {
        let n = eta.len();
        let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Risk-set sums D at each block start: the sum of exp(η − shift) over the stratum's rows at or
        // after it; and the block's event sums E.
        let mut denom = vec![0.0; n];
        let mut event_sum = vec![0.0; n];
        let mut acc = 0.0;
        for k in (0..n).rev() {
            if self.stratum[k].1 == k + 1 {
                acc = 0.0;
            }
            let r = (eta[self.order[k]] - shift).exp();
            acc += r;
            if events[self.order[k]] {
                event_sum[self.block_start[k]] += r;
            }
            if self.block_start[k] == k {
                denom[k] = acc;
            }
        }
        // Per block with events: (Σ wt/den, Σ wt·f/den, Σ wt/den², Σ wt·(2f − f²)/den²) and Σ wt·ln den.
        let terms = |k: usize| -> (f64, [f64; 4]) {
            let (d, big, e) = (self.deaths[k], denom[k], event_sum[k]);
            match self.ties {
                Ties::Breslow => (d * big.ln(), [d / big, 0.0, d / (big * big), 0.0]),
                Ties::Efron => {
                    let (mut log, mut s) = (0.0, [0.0; 4]);
                    let m = d as usize;
                    for j in 0..m {
                        let f = j as f64 / d;
                        let den = big - f * e;
                        log += den.ln();
                        s[0] += 1.0 / den;
                        s[1] += f / den;
                        s[2] += 1.0 / (den * den);
                        s[3] += (2.0 * f - f * f) / (den * den);
                    }
                    (log, s)
                }
            }
        };
        let mut ll = 0.0;
        let mut sums = vec![[0.0; 4]; if grad.is_some() { n } else { 0 }];
        for k in 0..n {
            if self.block_start[k] == k && self.deaths[k] > 0.0 {
                let (log, s) = terms(k);
                ll -= log + self.deaths[k] * shift;
                if let Some(slot) = sums.get_mut(k) {
                    *slot = s;
                }
            }
            if events[self.order[k]] {
                ll += eta[self.order[k]];
            }
        }
        if let Some((g, w)) = grad {
            // Cumulative Σ wt/den and Σ wt/den² over the stratum's event times up to and including each
            // row's time.
            let (mut a, mut b) = (0.0, 0.0);
            for k in 0..n {
                if self.stratum[k].0 == k {
                    (a, b) = (0.0, 0.0);
                }
                let s = sums[self.block_start[k]];
                if self.block_start[k] == k && self.deaths[k] > 0.0 {
                    a += s[0];
                    b += s[2];
                }
                let i = self.order[k];
                let r = (eta[i] - shift).exp();
                let (own_a, own_b) = if events[i] { (s[1], s[3]) } else { (0.0, 0.0) };
                g[i] = f64::from(u8::from(events[i])) - r * (a - own_a);
                w[i] = r * (a - own_a) - r * r * (b - own_b);
            }
        }
        ll
    }
}

impl SparseCoxParams {
    fn validate(&self) -> Result<()> {
        if !(self.penalizer > 0.0 && self.penalizer.is_finite()) {
            return Err(Error::InvalidParam {
                name: "penalizer",
                message: format!("{} is not a finite value > 0", self.penalizer),
            });
        }
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(Error::InvalidParam {
                name: "l1_ratio",
                message: format!("{} is not in [0, 1]", self.l1_ratio),
            });
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::InvalidParam {
                name: "tol",
                message: format!("{} is not a finite value > 0", self.tol),
            });
        }
        Ok(())
    }

    /// Fits one penalty, [`SparseCoxParams::penalizer`].
    pub fn fit(&self, data: &SparseCoxData<'_>) -> Result<SparseCoxModel> {
        let mut fits = self.fit_path(data, &[self.penalizer])?;
        Ok(fits.remove(0))
    }

    /// Fits each penalizer in `penalizers` (which must decrease), each started at the previous solution.
    /// [`SparseCoxParams::penalizer`] is ignored.
    pub fn fit_path(&self, data: &SparseCoxData<'_>, penalizers: &[f64]) -> Result<Vec<SparseCoxModel>> {
        let x = data.x;
        let n = x.n_rows();
        let p = x.n_cols();
        if data.durations.len() != n || data.events.len() != n {
            return Err(Error::InvalidParam {
                name: "data",
                message: format!(
                    "{} rows of covariates but {} durations and {} events",
                    n,
                    data.durations.len(),
                    data.events.len()
                ),
            });
        }
        if n == 0 {
            return Err(Error::Empty);
        }
        if let Some(&d) = data.durations.iter().find(|d| !d.is_finite()) {
            return Err(Error::InvalidParam { name: "durations", message: format!("{d} is not finite") });
        }
        for j in 0..p {
            if let Some(v) = x.col(j).1.iter().find(|v| !v.is_finite()) {
                return Err(Error::InvalidParam { name: "x", message: format!("column {j} holds {v}") });
            }
        }
        let n_events = data.events.iter().filter(|&&e| e).count();
        if n_events == 0 {
            return Err(Error::InvalidParam { name: "events", message: "no event is observed".into() });
        }
        if penalizers.windows(2).any(|w| w[1] > w[0]) {
            return Err(Error::InvalidParam { name: "penalizers", message: "the path must decrease".into() });
        }
        for &lambda in penalizers {
            SparseCoxParams { penalizer: lambda, ..self.clone() }.validate()?;
        }
        let nf = n as f64;
        // Sample standard deviation of each column (absent entries are zeros); 0 for a constant column.
        let sd: Vec<f64> = (0..p)
            .map(|j| {
                let (_, vals) = x.col(j);
                let sum: f64 = vals.iter().map(|&v| f64::from(v)).sum();
                let sq: f64 = vals.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
                let mean = sum / nf;
                let var = (sq - nf * mean * mean) / (nf - 1.0).max(1.0);
                if var > 1e-12 * (sq / nf) {
                    var.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        if let Some(st) = data.strata {
            if st.len() != n {
                return Err(Error::InvalidParam {
                    name: "strata",
                    message: format!("{} stratum labels for {n} rows", st.len()),
                });
            }
        }
        let risk = Risk::new(data.durations, data.events, data.strata, self.ties);
        let mut gamma = vec![0.0; p];
        let mut eta = vec![0.0; n];
        let mut fits = Vec::with_capacity(penalizers.len());
        for &lambda in penalizers {
            let (iterations, ll) = self.solve(x, data.events, &sd, &risk, lambda, &mut gamma, &mut eta)?;
            let l1 = self.l1_ratio;
            let penalty = lambda * gamma.iter().map(|g| l1 * g.abs() + (1.0 - l1) / 2.0 * g * g).sum::<f64>();
            let coef = gamma.iter().zip(&sd).map(|(&g, &s)| if s > 0.0 { g / s } else { 0.0 }).collect();
            fits.push(SparseCoxModel { coef, log_likelihood: ll, penalty, penalizer: lambda, iterations, n, n_events });
        }
        Ok(fits)
    }

    /// Solves one penalty from the start (γ, η = Xβ), updating both; returns the outer iterations and ℓ.
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &self,
        x: &CscMatrix,
        events: &[bool],
        sd: &[f64],
        risk: &Risk,
        lambda: f64,
        gamma: &mut [f64],
        eta: &mut [f64],
    ) -> Result<(usize, f64)> {
        let n = eta.len();
        let p = gamma.len();
        let nf = n as f64;
        let (l1, l2) = (lambda * self.l1_ratio, lambda * (1.0 - self.l1_ratio));
        let objective =
            |ll: f64, gamma: &[f64]| -ll / nf + gamma.iter().map(|g| l1 * g.abs() + l2 / 2.0 * g * g).sum::<f64>();
        let mut g = vec![0.0; n];
        let mut w = vec![0.0; n];
        let mut ll = risk.evaluate(eta, events, Some((&mut g, &mut w)));
        let mut f = objective(ll, gamma);
        let mut v = vec![0.0; p];
        let mut last_change = f64::NAN;
        for iteration in 1..=self.max_iter {
            // Weighted column norms vⱼ = Σ wᵢ x̃ᵢⱼ² / n of the standardized columns x̃ = x / sd.
            for j in 0..p {
                if sd[j] > 0.0 {
                    let (rows, vals) = x.col(j);
                    let s: f64 =
                        rows.iter().zip(vals).map(|(&i, &a)| w[i as usize] * f64::from(a) * f64::from(a)).sum();
                    v[j] = s / (sd[j] * sd[j] * nf);
                }
            }
            // Weighted working residual: rᵢ = gᵢ − wᵢ·(x̃ᵢ(u − γ)), u the new coefficients.
            let mut r = g.clone();
            let mut u = gamma.to_vec();
            let sweep = |j: usize, u: &mut [f64], r: &mut [f64]| -> f64 {
                if sd[j] == 0.0 {
                    return 0.0;
                }
                let (rows, vals) = x.col(j);
                let inv = 1.0 / sd[j];
                let dot: f64 = rows.iter().zip(vals).map(|(&i, &a)| r[i as usize] * f64::from(a)).sum::<f64>() * inv;
                let z = dot / nf + v[j] * u[j];
                let denom = v[j] + l2;
                let new = if denom > 0.0 { z.signum() * (z.abs() - l1).max(0.0) / denom } else { 0.0 };
                let delta = new - u[j];
                if delta != 0.0 {
                    for (&i, &a) in rows.iter().zip(vals) {
                        let i = i as usize;
                        r[i] -= w[i] * f64::from(a) * inv * delta;
                    }
                    u[j] = new;
                }
                delta.abs() * v[j].max(l2).sqrt()
            };
            let mut converged_inner = false;
            for _ in 0..100_000 {
                let mut change: f64 = 0.0;
                for j in 0..p {
                    change = change.max(sweep(j, &mut u, &mut r));
                }
                if change <= self.tol {
                    converged_inner = true;
                    break;
                }
                let active: Vec<usize> = (0..p).filter(|&j| u[j] != 0.0).collect();
                for _ in 0..100_000 {
                    let mut change: f64 = 0.0;
                    for &j in &active {
                        change = change.max(sweep(j, &mut u, &mut r));
                    }
                    if change <= self.tol {
                        break;
                    }
                }
            }
            if !converged_inner {
                return Err(Error::NoConvergence { iterations: iteration, change: last_change });
            }
            // Move towards u, halving the step while the penalized objective increases. When the full
            // step decreases it, the step is doubled while that decreases it further (the diagonal
            // weights overstate the curvature along directions shared by whole risk sets, which makes
            // full steps short); an extrapolated coefficient keeps u's zero and sign pattern.
            let moved = u.iter().zip(gamma.iter()).zip(&v).map(|((a, b), vj)| (a - b).abs() * vj.max(l2).sqrt());
            let moved = moved.fold(0.0, f64::max);
            let trial = |step: f64| -> (Vec<f64>, Vec<f64>, f64, f64) {
                let cand_gamma: Vec<f64> = (0..p)
                    .map(|j| {
                        let c = gamma[j] + step * (u[j] - gamma[j]);
                        if step > 1.0 && c * u[j] <= 0.0 {
                            0.0
                        } else {
                            c
                        }
                    })
                    .collect();
                let mut cand_eta = eta.to_vec();
                for j in 0..p {
                    let d = cand_gamma[j] - gamma[j];
                    if d != 0.0 {
                        let (rows, vals) = x.col(j);
                        let scale = d / sd[j];
                        for (&i, &a) in rows.iter().zip(vals) {
                            cand_eta[i as usize] += f64::from(a) * scale;
                        }
                    }
                }
                let cll = risk.evaluate(&cand_eta, events, None);
                let cf = objective(cll, &cand_gamma);
                (cand_gamma, cand_eta, cll, cf)
            };
            let mut step = 1.0;
            let mut best = trial(step);
            while best.3 > f + 1e-13 * f.abs().max(1.0) && step >= 1e-10 {
                step /= 2.0;
                best = trial(step);
            }
            if step == 1.0 {
                while step < 1e6 {
                    let next = trial(2.0 * step);
                    if next.3 < best.3 {
                        best = next;
                        step *= 2.0;
                    } else {
                        break;
                    }
                }
            }
            let (cand_gamma, cand_eta, cll, cf) = best;
            last_change = cf - f;
            f = cf;
            ll = cll;
            gamma.copy_from_slice(&cand_gamma);
            eta.copy_from_slice(&cand_eta);
            if moved * step <= self.tol {
                return Ok((iteration, ll));
            }
            risk.evaluate(eta, events, Some((&mut g, &mut w)));
        }
        Err(Error::NoConvergence { iterations: self.max_iter, change: last_change })
    }
}

/// The smallest penalizer λ at which every coefficient is zero, for the L1 share r =
/// `params.l1_ratio` > 0: `maxⱼ |x̃ⱼ'g(0)| / (n·r)`, with g(0) the gradient in η at β = 0 of the partial
/// likelihood with `params.ties` (and the data's strata). The start of a penalty path. Returns `None`
/// when r = 0, the data have no event or their lengths disagree.
pub fn lambda_max(data: &SparseCoxData<'_>, params: &SparseCoxParams) -> Option<f64> {
    let l1_ratio = params.l1_ratio;
    let x = data.x;
    let n = x.n_rows();
    if l1_ratio <= 0.0 || n == 0 || data.durations.len() != n || data.events.len() != n || !data.events.contains(&true)
    {
        return None;
    }
    if data.strata.is_some_and(|s| s.len() != n) {
        return None;
    }
    let risk = Risk::new(data.durations, data.events, data.strata, params.ties);
    let mut g = vec![0.0; n];
    let mut w = vec![0.0; n];
    risk.evaluate(&vec![0.0; n], data.events, Some((&mut g, &mut w)));
    let nf = n as f64;
    let mut best: f64 = 0.0;
    for j in 0..x.n_cols() {
        let (rows, vals) = x.col(j);
        let sum: f64 = vals.iter().map(|&a| f64::from(a)).sum();
        let sq: f64 = vals.iter().map(|&a| f64::from(a) * f64::from(a)).sum();
        let var = (sq - sum * sum / nf) / (nf - 1.0).max(1.0);
        if var > 0.0 {
            let dot: f64 = rows.iter().zip(vals).map(|(&i, &a)| g[i as usize] * f64::from(a)).sum();
            best = best.max(dot.abs() / var.sqrt());
        }
    }
    Some(best / (nf * l1_ratio))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlhc_core::CsrMatrix;

    #[test]
    fn a_constant_column_gets_a_zero_and_the_others_still_fit() {
        let mut m = CsrMatrix::new(2);
        let xs = [1.0f32, 0.0, 2.0, 0.0, 1.0, 3.0, 0.0, 1.0];
        for &a in &xs {
            m.push_row(&[(0, 1.0), (1, a)]);
        }
        let x = CscMatrix::from_csr(&m);
        let t = [5.0, 3.0, 8.0, 9.0, 4.0, 2.0, 10.0, 6.0];
        let e = [true, false, true, true, true, true, false, true];
        let fit = SparseCoxParams { penalizer: 0.01, l1_ratio: 0.5, ..SparseCoxParams::default() }
            .fit(&SparseCoxData { x: &x, durations: &t, events: &e, strata: None })
            .unwrap();
        assert_eq!(fit.coef[0], 0.0);
        assert!(fit.coef[1] > 0.0, "{:?}", fit.coef);
    }
}
