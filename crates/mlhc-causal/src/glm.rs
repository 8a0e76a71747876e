//! Dense, weighted linear and logistic regression in `f64` (the nuisance models with a linear form).
//!
//! mlhc-learn's logistic regression works on sparse `f32` features without case weights; the
//! estimators here need `f64` precision on small dense designs (book-level golden numbers), case
//! weights (weighted refits) and exactly unpenalized fits, so this module solves the normal equations
//! itself: Newton–Raphson (IRLS) with a Cholesky factorization, on internally standardized columns.
//!
//! Both fits minimize, with `w` the case weights (1 by default) and `z` the standardized columns,
//!
//! ```text
//! linear:   Σᵢ wᵢ (yᵢ − b₀ − zᵢ·β)² / (2 Σ w)                      + λ/2 ‖β‖²
//! logistic: −Σᵢ wᵢ [yᵢ ηᵢ − log(1 + exp ηᵢ)] / Σ w,  ηᵢ = b₀ + zᵢ·β  + λ/2 ‖β‖²
//! ```
//!
//! With `λ = 0` these are ordinary least squares and maximum likelihood (R's `lm`/`glm`, statsmodels'
//! `OLS`/`GLM(Binomial)`); with `λ > 0` the logistic objective is glmnet's ridge (mlhc-learn's
//! [`mlhc_learn::logistic`] with `Penalty::L2`). Coefficients are returned on the original scale. A
//! constant column gets coefficient 0.

use rayon::prelude::*;

use crate::{Error, Result};

/// A fitted linear predictor `b₀ + x·β`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearPredictor {
    /// The intercept `b₀`.
    pub intercept: f64,
    /// One coefficient per column (original scale).
    pub coef: Vec<f64>,
    /// Newton iterations used (1 for the linear fit).
    pub n_iter: usize,
}

impl LinearPredictor {
    /// `b₀ + x·β` for one row.
    pub fn eta(&self, row: &[f64]) -> f64 {
        self.intercept + row.iter().zip(&self.coef).map(|(x, b)| x * b).sum::<f64>()
    }

    /// `b₀ + x·β` for every row of a row-major matrix with `coef.len()` columns.
    pub fn eta_all(&self, x: &[f64]) -> Vec<f64> {
        let p = self.coef.len().max(1);
        if self.coef.is_empty() {
            return vec![self.intercept; x.len() / p];
        }
        x.par_chunks(p).map(|r| self.eta(r)).collect()
    }

    /// `σ(b₀ + x·β)` for every row (the logistic model's probabilities).
    pub fn proba_all(&self, x: &[f64]) -> Vec<f64> {
        self.eta_all(x).into_iter().map(mlhc_learn::logistic::sigmoid).collect()
    }
}

/// Column means and standard deviations (weighted, 1/Σw convention).
fn moments(x: &[f64], p: usize, w: &[f64], sw: f64) -> (Vec<f64>, Vec<f64>) {
    let n = w.len();
    let mut mean = vec![0.0; p];
    for i in 0..n {
        for j in 0..p {
            mean[j] += w[i] * x[i * p + j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= sw);
    let mut var = vec![0.0; p];
    for i in 0..n {
        for j in 0..p {
            let d = x[i * p + j] - mean[j];
            var[j] += w[i] * d * d;
        }
    }
    let sd = var.iter().map(|v| (v / sw).sqrt()).collect();
    (mean, sd)
}

/// Rows per parallel block of the column-major kernels (a block of 20 columns stays in L2).
const BLOCK: usize = 2048;

/// `Σ hᵢ zᵢ zᵢᵀ` and `Σ gᵢ zᵢ` over `z = [1, standardized kept columns]`, with `cols` the kept columns
/// column-major (`cols[k * n + i]`). Blocks of rows are summed in parallel, in a fixed order, so the
/// result does not depend on the number of threads.
fn normal_equations(cols: &[f64], n: usize, h: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let k = cols.len().checked_div(n).unwrap_or(0);
    let q = k + 1;
    let partial: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * BLOCK, ((c + 1) * BLOCK).min(n));
            let len = hi - lo;
            let hb = &h[lo..hi];
            let gb = &g[lo..hi];
            let col = |r: usize| &cols[r * n + lo..r * n + hi];
            // hz[r] = h ⊙ z_r for the block.
            let mut hz = vec![0.0; k * len];
            for r in 0..k {
                for ((o, &hi), &z) in hz[r * len..(r + 1) * len].iter_mut().zip(hb).zip(col(r)) {
                    *o = hi * z;
                }
            }
            let mut a = vec![0.0; q * q];
            let mut b = vec![0.0; q];
            a[0] = hb.iter().sum();
            b[0] = gb.iter().sum();
            for r in 0..k {
                let hzr = &hz[r * len..(r + 1) * len];
                a[(r + 1) * q] = hzr.iter().sum();
                b[r + 1] = dot(gb, col(r));
                for s in 0..=r {
                    a[(r + 1) * q + s + 1] = dot(hzr, col(s));
                }
            }
            (a, b)
        })
        .collect();
    let mut a = vec![0.0; q * q];
    let mut b = vec![0.0; q];
    for (pa, pb) in partial {
        a.iter_mut().zip(pa).for_each(|(x, y)| *x += y);
        b.iter_mut().zip(pb).for_each(|(x, y)| *x += y);
    }
    for r in 0..q {
        for s in 0..r {
            a[s * q + r] = a[r * q + s];
        }
    }
    (a, b)
}

/// A dot product in four independent lanes (so that it vectorizes).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `β₀ + Σ_k β_k z_k` for every row, from the column-major standardized columns.
fn linear_predictor(cols: &[f64], n: usize, beta: &[f64]) -> Vec<f64> {
    let mut eta = vec![beta[0]; n];
    eta.par_chunks_mut(BLOCK).enumerate().for_each(|(c, out)| {
        let (lo, len) = (c * BLOCK, out.len());
        for (r, b) in beta[1..].iter().enumerate() {
            for (o, z) in out.iter_mut().zip(&cols[r * n + lo..r * n + lo + len]) {
                *o += b * z;
            }
        }
    });
    eta
}

/// Solves `A x = b` for symmetric positive definite `A` (q×q) by Cholesky; `Err(k)` names the pivot
/// that failed.
fn cholesky_solve(a: &[f64], b: &[f64], q: usize) -> std::result::Result<Vec<f64>, (usize, f64)> {
    let l = cholesky(a, q)?;
    let mut y = b.to_vec();
    for i in 0..q {
        for k in 0..i {
            y[i] -= l[i * q + k] * y[k];
        }
        y[i] /= l[i * q + i];
    }
    for i in (0..q).rev() {
        for k in i + 1..q {
            y[i] -= l[k * q + i] * y[k];
        }
        y[i] /= l[i * q + i];
    }
    Ok(y)
}

/// The lower Cholesky factor `L` (row-major, `A = L Lᵀ`) of a symmetric positive definite q×q matrix;
/// `Err((k, pivot))` when pivot `k` is not clearly positive.
pub(crate) fn cholesky(a: &[f64], q: usize) -> std::result::Result<Vec<f64>, (usize, f64)> {
    let mut l = vec![0.0; q * q];
    let scale = (0..q).map(|i| a[i * q + i].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    for i in 0..q {
        for j in 0..=i {
            let mut s = a[i * q + j];
            for k in 0..j {
                s -= l[i * q + k] * l[j * q + k];
            }
            if i == j {
                if s <= 1e-11 * scale || !s.is_finite() {
                    return Err((i, s));
                }
                l[i * q + i] = s.sqrt();
            } else {
                l[i * q + j] = s / l[j * q + j];
            }
        }
    }
    Ok(l)
}

struct Setup {
    w: Vec<f64>,
    sw: f64,
    mean: Vec<f64>,
    sd: Vec<f64>,
    keep: Vec<usize>,
    /// The kept columns, standardized, column-major.
    cols: Vec<f64>,
}

fn setup(x: &[f64], p: usize, y: &[f64], weights: Option<&[f64]>, names: &[String]) -> Result<Setup> {
    let n = y.len();
    if x.len() != n * p {
        return Err(Error::ShapeMismatch { what: "design rows", expected: n, got: x.len() / p.max(1) });
    }
    if names.len() != p {
        return Err(Error::ShapeMismatch { what: "column names", expected: p, got: names.len() });
    }
    let w: Vec<f64> = match weights {
        Some(w) if w.len() != n => return Err(Error::ShapeMismatch { what: "weights", expected: n, got: w.len() }),
        Some(w) => w.to_vec(),
        None => vec![1.0; n],
    };
    if let Some(row) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::NonFinite { what: "weight".into(), row, value: w[row] });
    }
    let sw: f64 = w.iter().sum();
    if sw <= 0.0 {
        return Err(Error::Degenerate { message: "regression with no rows (or all weights 0)".into() });
    }
    let (mean, sd) = moments(x, p, &w, sw);
    let keep: Vec<usize> = (0..p).filter(|&j| sd[j] > 1e-12 * (1.0 + mean[j].abs())).collect();
    // Transposed in row blocks (each block's rows stay in cache), blocks in parallel.
    let k = keep.len();
    let blocks: Vec<Vec<f64>> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * BLOCK, ((c + 1) * BLOCK).min(n));
            let len = hi - lo;
            let mut out = vec![0.0; k * len];
            for i in lo..hi {
                let row = &x[i * p..(i + 1) * p];
                for (r, &j) in keep.iter().enumerate() {
                    out[r * len + i - lo] = (row[j] - mean[j]) / sd[j];
                }
            }
            out
        })
        .collect();
    let mut cols = vec![0.0; k * n];
    for (c, block) in blocks.iter().enumerate() {
        let (lo, len) = (c * BLOCK, block.len() / k.max(1));
        for r in 0..k {
            cols[r * n + lo..r * n + lo + len].copy_from_slice(&block[r * len..(r + 1) * len]);
        }
    }
    Ok(Setup { w, sw, mean, sd, keep, cols })
}

fn unstandardize(s: &Setup, p: usize, beta: &[f64], n_iter: usize) -> LinearPredictor {
    let mut coef = vec![0.0; p];
    let mut intercept = beta[0];
    for (k, &j) in s.keep.iter().enumerate() {
        coef[j] = beta[k + 1] / s.sd[j];
        intercept -= coef[j] * s.mean[j];
    }
    LinearPredictor { intercept, coef, n_iter }
}

fn singular(model: &'static str, s: &Setup, names: &[String], pivot: (usize, f64)) -> Error {
    let column = if pivot.0 == 0 { "(intercept)".to_string() } else { names[s.keep[pivot.0 - 1]].clone() };
    Error::Singular { model, column, pivot: pivot.1 }
}

/// Weighted least squares of `y` on the `p` columns of row-major `x` (plus an intercept), with an
/// optional ridge `lambda` on the standardized coefficients (see the [module docs](self)).
pub fn fit_linear(
    x: &[f64],
    p: usize,
    y: &[f64],
    weights: Option<&[f64]>,
    lambda: f64,
    names: &[String],
) -> Result<LinearPredictor> {
    let s = setup(x, p, y, weights, names)?;
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what: "outcome".into(), row, value: y[row] });
    }
    let g: Vec<f64> = y.iter().zip(&s.w).map(|(y, w)| y * w).collect();
    let (mut a, b) = normal_equations(&s.cols, y.len(), &s.w, &g);
    let q = s.keep.len() + 1;
    for k in 1..q {
        a[k * q + k] += lambda * s.sw;
    }
    let beta = cholesky_solve(&a, &b, q).map_err(|e| singular("linear regression", &s, names, e))?;
    Ok(unstandardize(&s, p, &beta, 1))
}

/// Weighted logistic regression of binary `y` (0/1) on the `p` columns of row-major `x` (plus an
/// intercept) by Newton–Raphson with step halving, with an optional ridge `lambda` on the
/// standardized coefficients (see the [module docs](self)). Converges when the largest Newton step on the
/// standardized coefficients is below 1e-10; at most 100 iterations.
pub fn fit_logistic(
    x: &[f64],
    p: usize,
    y: &[f64],
    weights: Option<&[f64]>,
    lambda: f64,
    names: &[String],
) -> Result<LinearPredictor> {
    fit_logistic_from(x, p, y, weights, lambda, names, None)
}

/// [`fit_logistic`] started from the coefficients of `init` (a fit of the same columns on similar
/// rows, e.g. another cross-fitting fold) instead of zero; the optimum is the same, reached in fewer
/// Newton steps.
pub fn fit_logistic_from(
    x: &[f64],
    p: usize,
    y: &[f64],
    weights: Option<&[f64]>,
    lambda: f64,
    names: &[String],
    init: Option<&LinearPredictor>,
) -> Result<LinearPredictor> {
    let s = setup(x, p, y, weights, names)?;
    if let Some(row) = y.iter().position(|v| *v != 0.0 && *v != 1.0) {
        return Err(Error::InvalidParam {
            name: "y",
            message: format!("row {row} is {}; labels must be 0 or 1", y[row]),
        });
    }
    let q = s.keep.len() + 1;
    let n = y.len();
    let eta_of = |beta: &[f64]| linear_predictor(&s.cols, n, beta);
    let objective = |eta: &[f64], beta: &[f64]| -> f64 {
        // Block sums added in a fixed order, so the objective (and the iteration count) does not
        // depend on how rayon splits the work.
        let blocks: Vec<f64> = eta
            .par_chunks(BLOCK)
            .zip(y.par_chunks(BLOCK))
            .zip(s.w.par_chunks(BLOCK))
            .map(|((e, y), w)| e.iter().zip(y).zip(w).map(|((&e, &y), &w)| w * (softplus(e) - y * e)).sum::<f64>())
            .collect();
        let nll: f64 = blocks.iter().sum();
        nll / s.sw + 0.5 * lambda * beta[1..].iter().map(|b| b * b).sum::<f64>()
    };
    let ybar = y.iter().zip(&s.w).map(|(y, w)| y * w).sum::<f64>() / s.sw;
    let mut beta = vec![0.0; q];
    match init.filter(|m| m.coef.len() == p) {
        // Standardized coefficients of the starting point: β̃ₖ = βₖ sdₖ, b̃₀ = b₀ + Σ βₖ meanₖ.
        Some(m) => {
            beta[0] = m.intercept;
            for (k, &j) in s.keep.iter().enumerate() {
                beta[k + 1] = m.coef[j] * s.sd[j];
                beta[0] += m.coef[j] * s.mean[j];
            }
        }
        None => beta[0] = if ybar > 0.0 && ybar < 1.0 { (ybar / (1.0 - ybar)).ln() } else { 0.0 },
    }
    let mut eta = eta_of(&beta);
    let mut obj = objective(&eta, &beta);
    let mut change = f64::INFINITY;
    for iter in 1..=100 {
        let (h, g): (Vec<f64>, Vec<f64>) = eta
            .par_iter()
            .zip(y)
            .zip(&s.w)
            .map(|((&e, &y), &w)| {
                let pr = mlhc_learn::logistic::sigmoid(e);
                (w * pr * (1.0 - pr), w * (y - pr))
            })
            .unzip();
        let (mut a, mut b) = normal_equations(&s.cols, n, &h, &g);
        for k in 1..q {
            a[k * q + k] += lambda * s.sw;
            b[k] -= lambda * s.sw * beta[k];
        }
        let step = cholesky_solve(&a, &b, q).map_err(|e| singular("logistic regression", &s, names, e))?;
        // The decrease a full Newton step predicts, ½ stepᵀ∇; once it is at rounding level the objective
        // cannot judge the step, and the (quadratically convergent) full step is taken.
        let predicted = 0.5 * step.iter().zip(&b).map(|(d, g)| d * g).sum::<f64>() / s.sw;
        let mut t = 1.0;
        loop {
            let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, d)| b + t * d).collect();
            let ceta = eta_of(&cand);
            let cobj = objective(&ceta, &cand);
            if cobj <= obj + 1e-15 * obj.abs() || predicted < 1e-13 * obj.abs().max(1.0) || t < 1e-10 {
                change = (obj - cobj).abs() / obj.abs().max(1e-300);
                beta = cand;
                eta = ceta;
                obj = cobj;
                break;
            }
            t *= 0.5;
        }
        let max_step = step.iter().fold(0.0f64, |m, d| m.max((d * t).abs()));
        if max_step < 1e-10 {
            return Ok(unstandardize(&s, p, &beta, iter));
        }
    }
    Err(Error::NotConverged { model: "logistic regression", iterations: 100, change })
}

fn softplus(e: f64) -> f64 {
    if e > 0.0 {
        e + (-e).exp().ln_1p()
    } else {
        e.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlhc_core::Rng;
    use proptest::prelude::*;

    proptest! {
        // A fixed seed: the same cases on every run.
        #![proptest_config(ProptestConfig {
            cases: 64,
            rng_seed: proptest::test_runner::RngSeed::Fixed(7),
            ..ProptestConfig::default()
        })]

        /// The blocked, column-major kernels against a plain row-by-row sum, across block boundaries.
        #[test]
        fn normal_equations_match_a_naive_sum(n in 0usize..5000, k in 0usize..5, seed in 0u64..1000) {
            let mut rng = Rng::seed_from_u64(seed);
            let cols: Vec<f64> = (0..n * k).map(|_| rng.normal()).collect();
            let h: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
            let g: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let (a, b) = normal_equations(&cols, n, &h, &g);
            let q = k + 1;
            let z = |i: usize, r: usize| if r == 0 { 1.0 } else { cols[(r - 1) * n + i] };
            for r in 0..q {
                let want_b: f64 = (0..n).map(|i| g[i] * z(i, r)).sum();
                prop_assert!((b[r] - want_b).abs() <= 1e-9 * (1.0 + want_b.abs()));
                for s in 0..q {
                    let want: f64 = (0..n).map(|i| h[i] * z(i, r) * z(i, s)).sum();
                    prop_assert!((a[r * q + s] - want).abs() <= 1e-9 * (1.0 + want.abs()));
                }
            }
            let beta: Vec<f64> = (0..q).map(|_| rng.normal()).collect();
            let eta = linear_predictor(&cols, n, &beta);
            for (i, e) in eta.iter().enumerate() {
                let want: f64 = beta.iter().enumerate().map(|(r, b)| b * z(i, r)).sum();
                prop_assert!((e - want).abs() <= 1e-12 * (1.0 + want.abs()));
            }
        }
    }

    fn names(p: usize) -> Vec<String> {
        (0..p).map(|j| format!("x{j}")).collect()
    }

    #[test]
    fn linear_recovers_exact_coefficients() {
        let mut rng = Rng::seed_from_u64(1);
        let (n, p) = (200, 3);
        let x: Vec<f64> = (0..n * p).map(|_| rng.normal() * 10.0 + 5.0).collect();
        let y: Vec<f64> = x.chunks(p).map(|r| 1.5 + 2.0 * r[0] - 0.5 * r[1] + 0.25 * r[2]).collect();
        let f = fit_linear(&x, p, &y, None, 0.0, &names(p)).unwrap();
        assert!((f.intercept - 1.5).abs() < 1e-9, "{f:?}");
        for (b, t) in f.coef.iter().zip([2.0, -0.5, 0.25]) {
            assert!((b - t).abs() < 1e-11);
        }
    }

    #[test]
    fn logistic_gradient_vanishes_and_weights_equal_replication() {
        let mut rng = Rng::seed_from_u64(2);
        let (n, p) = (500, 2);
        let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
        let y: Vec<f64> = x
            .chunks(p)
            .map(|r| if rng.bernoulli(mlhc_learn::logistic::sigmoid(0.3 + r[0] - 2.0 * r[1])) { 1.0 } else { 0.0 })
            .collect();
        let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        let f = fit_logistic(&x, p, &y, Some(&w), 0.0, &names(p)).unwrap();
        // Score equations: Σ w (y − p) [1, x] = 0.
        let pr = f.proba_all(&x);
        let mut g = [0.0; 3];
        for i in 0..n {
            let r = w[i] * (y[i] - pr[i]);
            g[0] += r;
            g[1] += r * x[i * p];
            g[2] += r * x[i * p + 1];
        }
        assert!(g.iter().all(|v| v.abs() < 1e-8), "{g:?}");
        // Weight 2 is the same as the row twice.
        let (mut xr, mut yr) = (Vec::new(), Vec::new());
        for i in 0..n {
            for _ in 0..(i % 3) {
                xr.extend_from_slice(&x[i * p..(i + 1) * p]);
                yr.push(y[i]);
            }
        }
        let r = fit_logistic(&xr, p, &yr, None, 0.0, &names(p)).unwrap();
        assert!((r.intercept - f.intercept).abs() < 1e-8);
        assert!(r.coef.iter().zip(&f.coef).all(|(a, b)| (a - b).abs() < 1e-8), "{r:?} {f:?}");
    }

    #[test]
    fn collinear_design_is_an_error() {
        let x = vec![1.0, 2.0, 2.0, 4.0, 3.0, 6.0, 4.0, 8.0];
        let e = fit_linear(&x, 2, &[1.0, 2.0, 3.0, 5.0], None, 0.0, &names(2)).unwrap_err();
        assert!(matches!(e, Error::Singular { ref column, .. } if column == "x1"), "{e}");
        // A constant column is dropped (coefficient 0), not an error.
        let x = vec![1.0, 7.0, 2.0, 7.0, 3.0, 7.0];
        let f = fit_linear(&x, 2, &[2.0, 4.0, 6.0], None, 0.0, &names(2)).unwrap();
        assert_eq!(f.coef[1], 0.0);
        assert!((f.coef[0] - 2.0).abs() < 1e-12);
    }
}
