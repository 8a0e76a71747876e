//! The solver: IRLS outer iterations, cyclic coordinate descent inside, on implicitly standardized
//! sparse columns.
//!
//! Standardizing a sparse matrix would make it dense (centering fills every zero), so the solver keeps
//! the centering implicit: with `x̃ᵢⱼ = sⱼ (xᵢⱼ − μⱼ)`, the working residual is stored as `r̂ᵢ + ρ`, where
//! `r̂` changes only on a column's stored entries and the scalar `ρ` carries the centering shift. Each
//! coordinate update then costs the column's stored entries, not `n`.

use mlhc_core::{CscMatrix, CsrMatrix};
use rayon::prelude::*;

use super::{sigmoid, LogisticModel, LogisticParams};
use crate::{Error, Result};

/// Lower bound on IRLS weights p(1 − p), as glmnet uses, so that nearly separated rows do not make the
/// quadratic approximation degenerate. It affects only the step, not the optimum.
const MIN_WEIGHT: f64 = 1e-5;
/// Coordinate-descent passes per IRLS iteration at most. An inexact inner solve is not an error: the
/// next IRLS iteration continues from it, and convergence is judged on the true optimality conditions.
const MAX_INNER_PASSES: usize = 200;

struct Problem<'a> {
    x: &'a CsrMatrix,
    csc: CscMatrix,
    y: &'a [f64],
    /// Column means (0 without standardization).
    mu: Vec<f64>,
    /// Column scales 1/σ (1 without standardization; 0 for constant columns, which stay out).
    s: Vec<f64>,
}

fn validate(x: &CsrMatrix, y: &[f64]) -> Result<()> {
    if x.n_rows() != y.len() {
        return Err(Error::ShapeMismatch { rows: x.n_rows(), labels: y.len() });
    }
    for (row, &v) in y.iter().enumerate() {
        if v != 0.0 && v != 1.0 {
            return Err(Error::BadLabel { row, value: v });
        }
    }
    for i in 0..x.n_rows() {
        let (cols, vals) = x.row(i);
        if let Some(k) = vals.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { row: i, column: cols[k] as usize, value: vals[k] });
        }
    }
    let ones = y.iter().filter(|&&v| v == 1.0).count();
    if ones == 0 || ones == y.len() {
        return Err(Error::OneClass { rows: y.len(), class: u8::from(ones > 0) });
    }
    Ok(())
}

fn validate_params(p: &LogisticParams, lambda: f64) -> Result<()> {
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(Error::InvalidParam { name: "lambda", message: format!("{lambda} must be finite and >= 0") });
    }
    let a = p.penalty.alpha();
    if !(0.0..=1.0).contains(&a) {
        return Err(Error::InvalidParam { name: "l1_ratio", message: format!("{a} must be in [0, 1]") });
    }
    if p.max_iter == 0 || p.tol.is_nan() || p.tol <= 0.0 {
        return Err(Error::InvalidParam { name: "max_iter/tol", message: "must be positive".into() });
    }
    Ok(())
}

impl<'a> Problem<'a> {
    fn new(x: &'a CsrMatrix, y: &'a [f64], standardize: bool) -> Self {
        let csc = CscMatrix::from_csr(x);
        let n = x.n_rows() as f64;
        let p = x.n_cols();
        let (mut mu, mut s) = (vec![0.0; p], vec![1.0; p]);
        for j in 0..p {
            let (_, vals) = csc.col(j);
            let sum: f64 = vals.iter().map(|&v| v as f64).sum();
            let sumsq: f64 = vals.iter().map(|&v| v as f64 * v as f64).sum();
            let m = sum / n;
            let var = (sumsq / n - m * m).max(0.0);
            if standardize {
                mu[j] = m;
                s[j] = if var > 1e-24 * (1.0 + m * m) { 1.0 / var.sqrt() } else { 0.0 };
            } else if sumsq == 0.0 {
                s[j] = 0.0;
            }
        }
        Self { x, csc, y, mu, s }
    }

    /// The linear predictor of every row for standardized (b0, β).
    fn eta(&self, b0: f64, beta: &[f64]) -> Vec<f64> {
        let scaled: Vec<f64> = beta.iter().zip(&self.s).map(|(b, s)| b * s).collect();
        let shift: f64 = scaled.iter().zip(&self.mu).map(|(b, m)| b * m).sum();
        // Rows are independent, so the parallel map gives the same bits as a sequential one.
        (0..self.x.n_rows())
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let (cols, vals) = self.x.row(i);
                b0 - shift + cols.iter().zip(vals).map(|(&c, &v)| scaled[c as usize] * v as f64).sum::<f64>()
            })
            .collect()
    }

    /// glmnet's objective: mean negative log-likelihood plus the penalty.
    fn objective(&self, b0: f64, beta: &[f64], lambda: f64, alpha: f64) -> f64 {
        let eta = self.eta(b0, beta);
        let nll: f64 = eta
            .iter()
            .zip(self.y)
            .map(|(&e, &y)| {
                // log(1 + exp e) without overflow.
                let softplus = if e > 0.0 { e + (-e).exp().ln_1p() } else { e.exp().ln_1p() };
                softplus - y * e
            })
            .sum::<f64>()
            / self.y.len() as f64;
        let l1: f64 = beta.iter().map(|b| b.abs()).sum();
        let l2: f64 = beta.iter().map(|b| b * b).sum();
        nll + lambda * (alpha * l1 + 0.5 * (1.0 - alpha) * l2)
    }

    /// The largest violation of the optimality (KKT) conditions at (b0, β), in standardized units: the
    /// intercept's gradient, and for each coefficient the subgradient distance from 0.
    fn kkt_violation(&self, b0: f64, beta: &[f64], lambda: f64, alpha: f64) -> f64 {
        let n = self.y.len() as f64;
        let resid: Vec<f64> = self.eta(b0, beta).iter().zip(self.y).map(|(&e, &y)| sigmoid(e) - y).collect();
        let total: f64 = resid.iter().sum();
        let mut worst = (total / n).abs();
        for (j, &b) in beta.iter().enumerate() {
            if self.s[j] == 0.0 {
                continue;
            }
            let (rows, vals) = self.csc.col(j);
            let dot: f64 = rows.iter().zip(vals).map(|(&i, &x)| x as f64 * resid[i as usize]).sum();
            let g = self.s[j] * (dot - self.mu[j] * total) / n + lambda * (1.0 - alpha) * b;
            let v = if b > 0.0 {
                (g + lambda * alpha).abs()
            } else if b < 0.0 {
                (g - lambda * alpha).abs()
            } else {
                (g.abs() - lambda * alpha).max(0.0)
            };
            worst = worst.max(v);
        }
        worst
    }

    /// The objective and its gradient with respect to (b0, β) (β in standardized units); pure L2
    /// (smooth) objectives only.
    fn value_and_gradient(&self, b0: f64, beta: &[f64], lambda: f64) -> (f64, f64, Vec<f64>) {
        let n = self.y.len() as f64;
        let eta = self.eta(b0, beta);
        let mut nll = 0.0;
        let mut resid = Vec::with_capacity(eta.len());
        for (&e, &y) in eta.iter().zip(self.y) {
            let softplus = if e > 0.0 { e + (-e).exp().ln_1p() } else { e.exp().ln_1p() };
            nll += softplus - y * e;
            resid.push(sigmoid(e) - y);
        }
        let (total, xr) = self.xt(&resid);
        let grad: Vec<f64> = xr
            .iter()
            .zip(beta)
            .zip(&self.s)
            .map(|((a, b), s)| if *s == 0.0 { 0.0 } else { a / n + lambda * b })
            .collect();
        let l2: f64 = beta.iter().map(|b| b * b).sum();
        (nll / n + 0.5 * lambda * l2, total / n, grad)
    }

    /// `X̃ᵀu` for the standardized design `X̃ = [1, (x − μ)·s]`: the intercept entry `Σuᵢ` and, per
    /// column, `s_j (Σᵢ x_ij uᵢ − μ_j Σuᵢ)`. Columns are independent: a parallel map, reproducible bit
    /// for bit.
    fn xt(&self, u: &[f64]) -> (f64, Vec<f64>) {
        let total: f64 = u.iter().sum();
        let out = (0..self.s.len())
            .into_par_iter()
            .map(|j| {
                if self.s[j] == 0.0 {
                    return 0.0;
                }
                let (rows, vals) = self.csc.col(j);
                let dot: f64 = rows.iter().zip(vals).map(|(&i, &x)| x as f64 * u[i as usize]).sum();
                self.s[j] * (dot - self.mu[j] * total)
            })
            .collect();
        (total, out)
    }

    /// Minimizes a pure-L2 objective by a line-search Newton method whose steps are solved inexactly
    /// by preconditioned conjugate gradients on Hessian-vector products (`H v = X̃ᵀ D X̃ v / n + λ v`,
    /// `D = diag(pᵢ(1 − pᵢ))`, Jacobi preconditioner), as scikit-learn's `newton-cg` and liblinear's
    /// TRON do: at weak penalties it needs fewer passes over the data than L-BFGS. Stops when the gradient's
    /// largest entry is below `tol` (the KKT condition of a smooth problem).
    fn newton_cg(&self, b0: f64, beta: &[f64], lambda: f64, tol: f64, max_iter: usize) -> (f64, Vec<f64>, usize, f64) {
        let n = self.y.len() as f64;
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let inf_norm = |g: &[f64]| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let eval = |w: &[f64]| {
            let (f, g0, g) = self.value_and_gradient(w[0], &w[1..], lambda);
            (f, std::iter::once(g0).chain(g).collect::<Vec<f64>>())
        };
        let mut w: Vec<f64> = std::iter::once(b0).chain(beta.iter().copied()).collect();
        let (mut f, mut g) = eval(&w);
        let mut iter = 0;
        while inf_norm(&g) >= tol && iter < max_iter {
            iter += 1;
            let d: Vec<f64> = self
                .eta(w[0], &w[1..])
                .iter()
                .map(|&e| {
                    let p = sigmoid(e);
                    p * (1.0 - p)
                })
                .collect();
            let sum_d: f64 = d.iter().sum();
            // Jacobi preconditioner: the Hessian's diagonal.
            let mut diag = Vec::with_capacity(w.len());
            diag.push((sum_d / n).max(1e-300));
            diag.par_extend((0..self.s.len()).into_par_iter().map(|j| {
                if self.s[j] == 0.0 {
                    return 1.0;
                }
                let (rows, vals) = self.csc.col(j);
                let (mut a, mut b) = (0.0, 0.0);
                for (&i, &x) in rows.iter().zip(vals) {
                    let dx = d[i as usize] * x as f64;
                    a += dx * x as f64;
                    b += dx;
                }
                let m = self.mu[j];
                (self.s[j] * self.s[j] * (a - 2.0 * m * b + m * m * sum_d) / n + lambda).max(1e-300)
            }));
            let hess_times = |v: &[f64]| -> Vec<f64> {
                let u: Vec<f64> = self.eta(v[0], &v[1..]).iter().zip(&d).map(|(a, b)| a * b).collect();
                let (t, xu) = self.xt(&u);
                std::iter::once(t / n)
                    .chain(
                        xu.iter()
                            .zip(&v[1..])
                            .zip(&self.s)
                            .map(|((a, vj), s)| if *s == 0.0 { 0.0 } else { a / n + lambda * vj }),
                    )
                    .collect()
            };
            // Inexact Newton: stop CG at a residual of min(0.5, √‖g‖)·‖g‖ (Eisenstat–Walker forcing).
            let gnorm = dot(&g, &g).sqrt();
            let eps = gnorm.sqrt().min(0.5) * gnorm;
            let mut x = vec![0.0; w.len()];
            let mut r: Vec<f64> = g.iter().map(|v| -v).collect();
            let mut z: Vec<f64> = r.iter().zip(&diag).map(|(a, m)| a / m).collect();
            let mut pdir = z.clone();
            let mut rz = dot(&r, &z);
            for k in 0..w.len().clamp(10, 500) {
                if dot(&r, &r).sqrt() <= eps {
                    break;
                }
                let hp = hess_times(&pdir);
                let curv = dot(&pdir, &hp);
                if curv <= 0.0 {
                    if k == 0 {
                        x.clone_from(&pdir);
                    }
                    break;
                }
                let a = rz / curv;
                for ((xi, ri), (pi, hi)) in x.iter_mut().zip(r.iter_mut()).zip(pdir.iter().zip(&hp)) {
                    *xi += a * pi;
                    *ri -= a * hi;
                }
                z = r.iter().zip(&diag).map(|(a, m)| a / m).collect();
                let rz_new = dot(&r, &z);
                let b = rz_new / rz;
                rz = rz_new;
                for (pi, zi) in pdir.iter_mut().zip(&z) {
                    *pi = zi + b * *pi;
                }
            }
            let mut slope = dot(&x, &g);
            if slope >= 0.0 || !slope.is_finite() {
                // Not a descent direction (numerical trouble): steepest descent instead.
                x = g.iter().map(|v| -v).collect();
                slope = -dot(&g, &g);
            }
            // Armijo backtracking on the objective alone; the gradient is computed once, at the step taken.
            let mut step = 1.0;
            let mut nw: Vec<f64>;
            loop {
                nw = w.iter().zip(&x).map(|(a, b)| a + step * b).collect();
                let nf = self.objective(nw[0], &nw[1..], lambda, 0.0);
                if nf <= f + 1e-4 * step * slope || step < 1e-12 {
                    break;
                }
                step *= 0.5;
            }
            let (nf, ng) = eval(&nw);
            let stalled = (f - nf).abs() <= 1e-16 * f.abs().max(1.0) && step < 1e-10;
            w = nw;
            f = nf;
            g = ng;
            if stalled {
                break;
            }
        }
        let violation = inf_norm(&g);
        (w[0], w[1..].to_vec(), iter, violation)
    }

    /// One IRLS step from (b0, β): solves the penalized weighted least-squares problem by coordinate
    /// descent and returns the new (b0, β).
    fn irls_step(&self, b0: f64, beta: &[f64], lambda: f64, alpha: f64, tol: f64) -> (f64, Vec<f64>) {
        let n = self.y.len() as f64;
        let eta = self.eta(b0, beta);
        let mut rhat = Vec::with_capacity(eta.len());
        let mut v = Vec::with_capacity(eta.len());
        for (&e, &y) in eta.iter().zip(self.y) {
            let p = sigmoid(e);
            let w = (p * (1.0 - p)).max(MIN_WEIGHT);
            rhat.push((y - p) / w);
            v.push(w / n);
        }
        let vsum: f64 = v.iter().sum();
        let p = beta.len();
        let mut a = vec![0.0; p];
        let mut xv = vec![0.0; p];
        for j in 0..p {
            if self.s[j] == 0.0 {
                continue;
            }
            let (rows, vals) = self.csc.col(j);
            let (mut aj, mut bj) = (0.0, 0.0);
            for (&i, &x) in rows.iter().zip(vals) {
                let vx = v[i as usize] * x as f64;
                aj += vx;
                bj += vx * x as f64;
            }
            a[j] = aj;
            xv[j] = self.s[j] * self.s[j] * (bj - 2.0 * self.mu[j] * aj + self.mu[j] * self.mu[j] * vsum);
        }
        let mut sum_vr: f64;
        let mut rho = 0.0;
        let mut b0 = b0;
        let mut beta = beta.to_vec();
        let l1 = lambda * alpha;
        let l2 = lambda * (1.0 - alpha);

        let mut full_pass = true;
        for _ in 0..MAX_INNER_PASSES {
            // Recomputed each pass: the incremental updates below would otherwise let rounding drift
            // accumulate into the intercept and every gradient.
            sum_vr = v.iter().zip(&rhat).map(|(v, r)| v * r).sum();
            let mut max_change = 0.0f64;
            // Intercept (unpenalized).
            let d0 = (sum_vr + rho * vsum) / vsum;
            b0 += d0;
            rho -= d0;
            max_change = max_change.max(d0 * d0 * vsum);
            for j in 0..p {
                if self.s[j] == 0.0 || (!full_pass && beta[j] == 0.0) {
                    continue;
                }
                let (rows, vals) = self.csc.col(j);
                let dot: f64 = rows.iter().zip(vals).map(|(&i, &x)| v[i as usize] * x as f64 * rhat[i as usize]).sum();
                let g = self.s[j] * (dot + rho * a[j] - self.mu[j] * (sum_vr + rho * vsum)) + xv[j] * beta[j];
                let shrunk = if g > l1 {
                    g - l1
                } else if g < -l1 {
                    g + l1
                } else {
                    0.0
                };
                let new = shrunk / (xv[j] + l2);
                let d = new - beta[j];
                if d != 0.0 {
                    beta[j] = new;
                    let ds = d * self.s[j];
                    for (&i, &x) in rows.iter().zip(vals) {
                        rhat[i as usize] -= ds * x as f64;
                    }
                    sum_vr -= ds * a[j];
                    rho += ds * self.mu[j];
                    max_change = max_change.max(d * d * xv[j]);
                }
            }
            let converged = max_change < tol * tol;
            if converged && full_pass {
                return (b0, beta);
            }
            // Cycle over the active set until it settles, then confirm with a full pass (glmnet).
            full_pass = converged;
        }
        (b0, beta)
    }
}

/// The smallest λ at which every coefficient is zero (for pure L2, the value glmnet uses: the L1 share
/// taken as 0.001), rounded up by a relative 1e-9 so that rounding in the solver still leaves the fit
/// there exactly zero.
pub fn lambda_max(x: &CsrMatrix, y: &[f64], params: &LogisticParams) -> Result<f64> {
    validate(x, y)?;
    let prob = Problem::new(x, y, params.standardize);
    let n = y.len() as f64;
    let ybar = y.iter().sum::<f64>() / n;
    let mut best = 0.0f64;
    for j in 0..x.n_cols() {
        let (rows, vals) = prob.csc.col(j);
        let g: f64 = rows.iter().zip(vals).map(|(&i, &x)| x as f64 * (y[i as usize] - ybar)).sum::<f64>();
        best = best.max((prob.s[j] * g / n).abs());
    }
    Ok(best / params.penalty.alpha().max(1e-3) * (1.0 + 1e-9))
}

/// Fits one model at `params.lambda`.
pub fn fit(x: &CsrMatrix, y: &[f64], params: &LogisticParams) -> Result<LogisticModel> {
    let mut models = fit_path(x, y, params, &[params.lambda])?;
    Ok(models.pop().expect("one lambda gives one model"))
}

/// Fits one model per λ in `lambdas`, each warm-started from the previous (give them in decreasing
/// order for speed). Every other setting comes from `params`.
pub fn fit_path(x: &CsrMatrix, y: &[f64], params: &LogisticParams, lambdas: &[f64]) -> Result<Vec<LogisticModel>> {
    validate(x, y)?;
    for &l in lambdas {
        validate_params(params, l)?;
    }
    let prob = Problem::new(x, y, params.standardize);
    let alpha = params.penalty.alpha();
    let ybar = y.iter().sum::<f64>() / y.len() as f64;
    let mut b0 = (ybar / (1.0 - ybar)).ln();
    let mut beta = vec![0.0; x.n_cols()];
    let mut out = Vec::with_capacity(lambdas.len());
    for &lambda in lambdas {
        if alpha == 0.0 {
            // Smooth objective: quasi-Newton. The cap on iterations scales with max_iter so that a
            // user's budget still bounds the work.
            let (nb0, nbeta, iters, violation) = prob.newton_cg(b0, &beta, lambda, params.tol, params.max_iter);
            if violation >= params.tol {
                return Err(Error::NoConvergence { iterations: iters, change: violation, tol: params.tol });
            }
            b0 = nb0;
            beta = nbeta;
            let coef: Vec<f64> = beta.iter().zip(&prob.s).map(|(b, s)| b * s).collect();
            let intercept = b0 - beta.iter().zip(&prob.s).zip(&prob.mu).map(|((b, s), m)| b * s * m).sum::<f64>();
            out.push(LogisticModel {
                intercept,
                coef,
                params: LogisticParams { lambda, ..params.clone() },
                n_iter: iters,
            });
            continue;
        }
        let mut obj = prob.objective(b0, &beta, lambda, alpha);
        let mut n_iter = 0;
        let mut violation = prob.kkt_violation(b0, &beta, lambda, alpha);
        // The inner tolerance tightens as the outer iterations proceed, so early steps stay cheap.
        let mut inner_tol = 1e-4f64;
        while violation >= params.tol && n_iter < params.max_iter {
            n_iter += 1;
            let (nb0, nbeta) = prob.irls_step(b0, &beta, lambda, alpha, inner_tol.max(params.tol * 1e-2));
            inner_tol *= 0.1;
            // Step halving keeps the objective from increasing when the quadratic model overshoots.
            let (mut cb0, mut cbeta) = (nb0, nbeta);
            let mut new_obj = prob.objective(cb0, &cbeta, lambda, alpha);
            let mut halvings = 0;
            while new_obj > obj + 1e-15 * obj.abs().max(1.0) && halvings < 30 {
                cb0 = 0.5 * (cb0 + b0);
                for (c, b) in cbeta.iter_mut().zip(&beta) {
                    *c = 0.5 * (*c + b);
                }
                new_obj = prob.objective(cb0, &cbeta, lambda, alpha);
                halvings += 1;
            }
            b0 = cb0;
            beta = cbeta;
            obj = new_obj;
            violation = prob.kkt_violation(b0, &beta, lambda, alpha);
        }
        if violation >= params.tol {
            return Err(Error::NoConvergence { iterations: n_iter, change: violation, tol: params.tol });
        }
        let coef: Vec<f64> = beta.iter().zip(&prob.s).map(|(b, s)| b * s).collect();
        let intercept = b0 - beta.iter().zip(&prob.s).zip(&prob.mu).map(|((b, s), m)| b * s * m).sum::<f64>();
        out.push(LogisticModel { intercept, coef, params: LogisticParams { lambda, ..params.clone() }, n_iter });
    }
    Ok(out)
}
