//! Parametric accelerated-failure-time models: Weibull, log-normal and log-logistic.
//!
//! All three are location–scale models for the log time: `log T = x'β + b + σ·W`, with W standard
//! minimum-extreme-value (Weibull), normal (log-normal) or logistic (log-logistic). The full
//! likelihood is maximized — `log f(t)` for events, `log S(t)` for censored subjects — by Newton's
//! method with step halving on centred and scaled covariates, and the covariance is the inverse
//! observed information. Parameters are reported as lifelines 0.30.3 reports them
//! (`WeibullAFTFitter`: `lambda_` coefficients and `rho_ = log(1/σ)`; `LogNormalAFTFitter`: `mu_` and
//! `sigma_ = log σ`; `LogLogisticAFTFitter`: `alpha_` and `beta_ = log(1/σ)`).

use serde::Serialize;

use crate::concordance::harrell_c;
use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};
use crate::linalg::Cholesky;
use crate::special::{erfc, normal_quantile, normal_sf};

/// The error distribution of the log time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AftFamily {
    /// `S(t) = exp(−(t/λ)^ρ)` with `log λ = x'β + b` and `ρ = 1/σ`: W is minimum extreme value.
    Weibull,
    /// `log T ~ Normal(x'β + b, σ²)`.
    LogNormal,
    /// `S(t) = 1/(1 + (t/α)^β)` with `log α = x'β + b` and `β = 1/σ`: W is logistic.
    LogLogistic,
}

impl AftFamily {
    /// lifelines' names of the location and the shape parameter blocks.
    pub fn parameter_names(self) -> (&'static str, &'static str) {
        match self {
            AftFamily::Weibull => ("lambda_", "rho_"),
            AftFamily::LogNormal => ("mu_", "sigma_"),
            AftFamily::LogLogistic => ("alpha_", "beta_"),
        }
    }

    /// Sign linking lifelines' shape intercept to `log σ` (−1 where the shape is `1/σ`).
    fn shape_sign(self) -> f64 {
        match self {
            AftFamily::LogNormal => 1.0,
            AftFamily::Weibull | AftFamily::LogLogistic => -1.0,
        }
    }

    /// `log S_W(u)`.
    fn log_sf(self, u: f64) -> f64 {
        match self {
            AftFamily::Weibull => -u.exp(),
            AftFamily::LogLogistic => -softplus(u),
            AftFamily::LogNormal => log_normal_sf(u),
        }
    }

    /// `(log f_W(u), d/du, d²/du²)` for an event.
    fn event_terms(self, u: f64) -> (f64, f64, f64) {
        match self {
            AftFamily::Weibull => {
                let e = u.exp();
                (u - e, 1.0 - e, -e)
            }
            AftFamily::LogLogistic => {
                let s = logistic(u);
                (u - 2.0 * softplus(u), 1.0 - 2.0 * s, -2.0 * s * (1.0 - s))
            }
            AftFamily::LogNormal => (-0.5 * u * u - 0.5 * (2.0 * std::f64::consts::PI).ln(), -u, -1.0),
        }
    }

    /// `(log S_W(u), d/du, d²/du²)` for a censored subject.
    fn censored_terms(self, u: f64) -> (f64, f64, f64) {
        match self {
            AftFamily::Weibull => {
                let e = u.exp();
                (-e, -e, -e)
            }
            AftFamily::LogLogistic => {
                let s = logistic(u);
                (-softplus(u), -s, -s * (1.0 - s))
            }
            AftFamily::LogNormal => {
                let mills = inverse_mills(u);
                (log_normal_sf(u), -mills, -mills * (mills - u))
            }
        }
    }
}

fn logistic(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + (-u).exp())
    } else {
        let e = u.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + eᵘ)` without overflow.
fn softplus(u: f64) -> f64 {
    if u > 0.0 {
        u + (-u).exp().ln_1p()
    } else {
        u.exp().ln_1p()
    }
}

/// `log P(Z > u)`, with the asymptotic series where the tail underflows.
fn log_normal_sf(u: f64) -> f64 {
    if u < 30.0 {
        normal_sf(u).ln()
    } else {
        -0.5 * u * u - u.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() + (1.0 - 1.0 / (u * u)).ln()
    }
}

/// `φ(u)/P(Z > u)`.
fn inverse_mills(u: f64) -> f64 {
    if u < 30.0 {
        let sf = 0.5 * erfc(u / std::f64::consts::SQRT_2);
        (-0.5 * u * u).exp() / (2.0 * std::f64::consts::PI).sqrt() / sf
    } else {
        u + 1.0 / u
    }
}

/// Options of an AFT fit.
#[derive(Debug, Clone, PartialEq)]
pub struct AftParams {
    /// The distribution. By default, [`AftFamily::Weibull`].
    pub family: AftFamily,
    /// Newton iterations allowed. By default, 200.
    pub max_iter: usize,
    /// Miscoverage of the parameter intervals. By default, 0.05.
    pub alpha: f64,
}

impl Default for AftParams {
    fn default() -> Self {
        Self { family: AftFamily::Weibull, max_iter: 200, alpha: 0.05 }
    }
}

/// A fitted AFT model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AftModel {
    /// The distribution.
    pub family: AftFamily,
    /// Covariate names.
    pub names: Vec<String>,
    /// β of the log-time location, per unit of each covariate.
    pub coefficients: Vec<f64>,
    /// The location intercept b.
    pub intercept: f64,
    /// `log σ`, the log scale of the error term.
    pub log_scale: f64,
    /// Covariance of `(β, b, log σ)`, row-major (p+2)×(p+2).
    pub covariance: Vec<f64>,
    /// The log-likelihood at the estimate (including the `−log t` Jacobian of events, as lifelines).
    pub log_likelihood: f64,
    /// Harrell's C of the predicted log-time location on the fitting data.
    pub concordance: f64,
    /// Rows fitted.
    pub n: usize,
    /// Events among them.
    pub n_events: usize,
    /// Newton iterations taken.
    pub iterations: usize,
    /// Miscoverage of the intervals.
    pub alpha: f64,
}

/// One parameter of an AFT summary, in lifelines' naming.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AftCoefficient {
    /// The parameter block (`lambda_`, `rho_`, `mu_`, `sigma_`, `alpha_`, `beta_`).
    pub param: String,
    /// The covariate, or `Intercept`.
    pub name: String,
    /// Estimate.
    pub coef: f64,
    /// Standard error.
    pub se: f64,
    /// Wald statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Lower end of the Wald interval.
    pub ci_low: f64,
    /// Upper end of the Wald interval.
    pub ci_high: f64,
}

impl AftParams {
    /// Fits the model to a dense row-major design `x` (`n × names.len()`), durations > 0 and events.
    pub fn fit(&self, x: &[f64], names: &[String], durations: &[f64], events: &[bool]) -> Result<AftModel> {
        check_survival(durations, events)?;
        let n = durations.len();
        let p = names.len();
        check_len("covariate matrix", x.len(), n * p)?;
        for (row, &t) in durations.iter().enumerate() {
            if t <= 0.0 {
                return Err(Error::NonPositiveDuration { row, value: t });
            }
        }
        let n_events = events.iter().filter(|&&e| e).count();
        if n_events == 0 {
            return Err(Error::NoEvents { rows: n });
        }
        // Standardize covariates.
        let mut mean = vec![0.0; p];
        let mut scale = vec![0.0; p];
        for i in 0..n {
            for j in 0..p {
                let v = x[i * p + j];
                if !v.is_finite() {
                    return Err(Error::NonFiniteCovariate { covariate: names[j].clone(), row: i, value: v });
                }
                mean[j] += v / n as f64;
            }
        }
        for i in 0..n {
            for j in 0..p {
                scale[j] += (x[i * p + j] - mean[j]).powi(2) / n as f64;
            }
        }
        for j in 0..p {
            scale[j] = scale[j].sqrt();
            if scale[j] == 0.0 {
                return Err(Error::ConstantCovariate { covariate: names[j].clone(), value: x[j] });
            }
        }
        let k = p + 2;
        let mut z = vec![0.0; n * k];
        for i in 0..n {
            for j in 0..p {
                z[i * k + j] = (x[i * p + j] - mean[j]) / scale[j];
            }
            z[i * k + p] = 1.0;
        }
        let y: Vec<f64> = durations.iter().map(|t| t.ln()).collect();
        // Start at the intercept-only moments of log t.
        let ybar = y.iter().sum::<f64>() / n as f64;
        let ysd = (y.iter().map(|v| (v - ybar).powi(2)).sum::<f64>() / n as f64).sqrt().max(1e-3);
        let mut theta = vec![0.0; k];
        theta[p] = ybar;
        theta[p + 1] = ysd.ln();
        let family = self.family;
        let eval = |theta: &[f64]| evaluate(family, &z, &y, events, theta, k);
        let mut cur = eval(&theta);
        let mut iterations = 0;
        let mut last_change = f64::NAN;
        loop {
            // Newton direction on the negative Hessian; fall back to a damped one when it is not
            // positive definite away from the optimum.
            let neg_h: Vec<f64> = cur.hess.iter().map(|v| -v).collect();
            let delta = match Cholesky::factor(&neg_h, k) {
                Ok(c) => c.solve(&cur.grad),
                Err(_) => {
                    let mut damped = neg_h.clone();
                    let bump = (0..k).map(|j| damped[j * k + j].abs()).fold(1.0_f64, f64::max);
                    for j in 0..k {
                        damped[j * k + j] += bump;
                    }
                    match Cholesky::factor(&damped, k) {
                        Ok(c) => c.solve(&cur.grad),
                        Err(bad) => {
                            return Err(Error::Collinear { covariate: param_label(names, bad.column) });
                        }
                    }
                }
            };
            if delta.iter().zip(&theta).all(|(d, t)| d.abs() <= 1e-10 * (1.0 + t.abs())) {
                break;
            }
            if iterations == self.max_iter {
                return Err(Error::NoConvergence { iterations, change: last_change });
            }
            iterations += 1;
            let mut step = 1.0;
            let (next_theta, next) = loop {
                let cand: Vec<f64> = theta.iter().zip(&delta).map(|(t, d)| t + step * d).collect();
                let e = eval(&cand);
                if (e.ll.is_finite() && e.ll >= cur.ll - 1e-12 * cur.ll.abs()) || step < 1e-8 {
                    break (cand, e);
                }
                step /= 2.0;
            };
            let change = next.ll - cur.ll;
            last_change = change;
            theta = next_theta;
            cur = next;
            if change.abs() <= 1e-14 * cur.ll.abs().max(1.0) && step < 1.0 {
                break;
            }
        }
        let neg_h: Vec<f64> = cur.hess.iter().map(|v| -v).collect();
        let inv = Cholesky::factor(&neg_h, k)
            .map_err(|bad| Error::Collinear { covariate: param_label(names, bad.column) })?
            .inverse();
        // Map back to raw units: βⱼ = θⱼ/sⱼ, b = θ_b − Σ θⱼ mⱼ/sⱼ, log σ unchanged (a linear map A).
        let mut a = vec![0.0; k * k];
        for j in 0..p {
            a[j * k + j] = 1.0 / scale[j];
            a[p * k + j] = -mean[j] / scale[j];
        }
        a[p * k + p] = 1.0;
        a[(p + 1) * k + p + 1] = 1.0;
        let raw: Vec<f64> = (0..k).map(|i| (0..k).map(|j| a[i * k + j] * theta[j]).sum()).collect();
        let mut covariance = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                let mut s = 0.0;
                for l in 0..k {
                    for m in 0..k {
                        s += a[i * k + l] * inv[l * k + m] * a[j * k + m];
                    }
                }
                covariance[i * k + j] = s;
            }
        }
        let location: Vec<f64> = (0..n).map(|i| (0..k - 1).map(|j| z[i * k + j] * theta[j]).sum()).collect();
        let risk: Vec<f64> = location.iter().map(|m| -m).collect();
        let concordance = harrell_c(durations, events, &risk)?.c_index;
        Ok(AftModel {
            family,
            names: names.to_vec(),
            coefficients: raw[..p].to_vec(),
            intercept: raw[p],
            log_scale: raw[p + 1],
            covariance,
            log_likelihood: cur.ll,
            concordance,
            n,
            n_events,
            iterations,
            alpha: self.alpha,
        })
    }
}

fn param_label(names: &[String], column: usize) -> String {
    match column.cmp(&names.len()) {
        std::cmp::Ordering::Less => names[column].clone(),
        std::cmp::Ordering::Equal => "Intercept".into(),
        std::cmp::Ordering::Greater => "log scale".into(),
    }
}

struct AftEval {
    ll: f64,
    grad: Vec<f64>,
    hess: Vec<f64>,
}

/// Log-likelihood, gradient and Hessian in θ = (β_std, b, log σ); `z` rows carry a trailing 1 for b.
fn evaluate(family: AftFamily, z: &[f64], y: &[f64], events: &[bool], theta: &[f64], k: usize) -> AftEval {
    let p1 = k - 1; // location parameters (β and b)
    let s = theta[p1];
    let sigma = s.exp();
    let mut ll = 0.0;
    let mut grad = vec![0.0; k];
    let mut hess = vec![0.0; k * k];
    for i in 0..y.len() {
        let zi = &z[i * k..i * k + p1];
        let mu: f64 = zi.iter().zip(&theta[..p1]).map(|(a, b)| a * b).sum();
        let u = (y[i] - mu) / sigma;
        let (l, g, g2) = if events[i] { family.event_terms(u) } else { family.censored_terms(u) };
        let d = if events[i] { 1.0 } else { 0.0 };
        ll += l - d * (s + y[i]);
        // ∂ℓ/∂μ = −g/σ, ∂ℓ/∂s = −g·u − δ; second derivatives by the chain rule (u depends on μ and s).
        let d_mu = -g / sigma;
        let d_s = -g * u - d;
        let d_mumu = g2 / (sigma * sigma);
        let d_mus = (g2 * u + g) / sigma;
        let d_ss = g2 * u * u + g * u;
        for a in 0..p1 {
            grad[a] += d_mu * zi[a];
            for b in a..p1 {
                hess[a * k + b] += d_mumu * zi[a] * zi[b];
            }
            hess[a * k + p1] += d_mus * zi[a];
        }
        grad[p1] += d_s;
        hess[p1 * k + p1] += d_ss;
    }
    for a in 0..k {
        for b in 0..a {
            hess[a * k + b] = hess[b * k + a];
        }
    }
    AftEval { ll, grad, hess }
}

impl AftModel {
    /// The parameter table in lifelines' naming and sign conventions: the location block (covariates,
    /// then `Intercept`), then the shape intercept.
    pub fn summary(&self) -> Vec<AftCoefficient> {
        let (loc, shape) = self.family.parameter_names();
        let k = self.coefficients.len() + 2;
        let q = normal_quantile(1.0 - self.alpha / 2.0);
        let row = |param: &str, name: &str, coef: f64, var: f64| {
            let se = var.sqrt();
            let z = coef / se;
            AftCoefficient {
                param: param.into(),
                name: name.into(),
                coef,
                se,
                z,
                p: 2.0 * normal_sf(z.abs()),
                ci_low: coef - q * se,
                ci_high: coef + q * se,
            }
        };
        let mut out: Vec<AftCoefficient> = self
            .names
            .iter()
            .enumerate()
            .map(|(j, name)| row(loc, name, self.coefficients[j], self.covariance[j * k + j]))
            .collect();
        let p = k - 2;
        out.push(row(loc, "Intercept", self.intercept, self.covariance[p * k + p]));
        out.push(row(
            shape,
            "Intercept",
            self.family.shape_sign() * self.log_scale,
            self.covariance[(p + 1) * k + p + 1],
        ));
        out
    }

    /// The log-time location `x'β + b` of one row.
    pub fn location(&self, row: &[f64]) -> f64 {
        self.intercept + row.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum::<f64>()
    }

    /// `S(t | x)` for one row.
    pub fn survival_at(&self, row: &[f64], t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        let u = (t.ln() - self.location(row)) / self.log_scale.exp();
        self.family.log_sf(u).exp()
    }

    /// The median survival time of one row.
    pub fn median(&self, row: &[f64]) -> f64 {
        let w = match self.family {
            AftFamily::Weibull => std::f64::consts::LN_2.ln(),
            AftFamily::LogNormal | AftFamily::LogLogistic => 0.0,
        };
        (self.location(row) + self.log_scale.exp() * w).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_derivatives_match_finite_differences() {
        let mut rng = mlhc_core::Rng::seed_from_u64(11);
        let n = 40;
        let k = 3;
        let mut z = Vec::new();
        let mut y = Vec::new();
        let mut e = Vec::new();
        for _ in 0..n {
            z.extend([rng.normal(), 1.0, 0.0]);
            y.push(rng.normal());
            e.push(rng.bernoulli(0.6));
        }
        for family in [AftFamily::Weibull, AftFamily::LogNormal, AftFamily::LogLogistic] {
            let theta = [0.3, 0.1, -0.2];
            let c = evaluate(family, &z, &y, &e, &theta, k);
            let h = 1e-6;
            for j in 0..k {
                let (mut tp, mut tm) = (theta, theta);
                tp[j] += h;
                tm[j] -= h;
                let (ep, em) = (evaluate(family, &z, &y, &e, &tp, k), evaluate(family, &z, &y, &e, &tm, k));
                assert!(((ep.ll - em.ll) / (2.0 * h) - c.grad[j]).abs() < 1e-6, "{family:?} grad {j}");
                for i in 0..k {
                    let fd = (ep.grad[i] - em.grad[i]) / (2.0 * h);
                    assert!(
                        (fd - c.hess[i * k + j]).abs() < 1e-5,
                        "{family:?} hess {i}{j}: {fd} vs {}",
                        c.hess[i * k + j]
                    );
                }
            }
        }
    }
}
