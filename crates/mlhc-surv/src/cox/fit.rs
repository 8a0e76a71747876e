//! Newton–Raphson on the partial likelihood.
//!
//! Rows are sorted by stratum, then by descending time, so each risk set is a prefix of its stratum
//! and the risk-set sums S0 = Σ rₖ, S1 = Σ rₖ zₖ (rₖ = wₖ exp(ηₖ)) are running sums. The information
//! matrix `Σ_terms [S2/den − S1 S1'/den²]` is computed without running p×p sums: the S2 part equals
//! `Σₖ rₖ aₖ zₖ zₖ'`, where aₖ adds up `1/den` over the terms whose risk set holds k, a weighted Gram
//! matrix computed in parallel over rows. The S1 S1' part of a block of d tied events expands, over
//! its Efron terms `S1 − (j/d)·S1_D`, into three symmetric products of S1 and S1_D with scalar sums,
//! so a block costs O(p²) whatever its number of ties.

use rayon::prelude::*;

use super::{robust, BaselineHazard, CoxData, CoxModel, CoxParams, Ties};
use crate::concordance::harrell_c;
use crate::data::{check_len, check_survival, check_weights, encode_labels};
use crate::error::{Error, Result};
use crate::linalg::Cholesky;

/// A run of rows with the same stratum and time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    pub start: usize,
    pub end: usize,
}

/// The data sorted, centred and scaled for fitting.
pub(super) struct Prepared {
    pub n: usize,
    pub p: usize,
    /// Standardized covariates in sorted order, row-major.
    pub z: Vec<f64>,
    pub w: Vec<f64>,
    pub event: Vec<bool>,
    pub time: Vec<f64>,
    /// Sorted position -> input row.
    pub order: Vec<usize>,
    pub blocks: Vec<Block>,
    /// Per stratum, the range of block indices, and the stratum label.
    pub strata: Vec<(std::ops::Range<usize>, usize)>,
    /// Start–stop data: entry times in sorted order, and per stratum its sorted positions by
    /// descending entry (the order in which rows leave the risk set as time runs backwards).
    pub entry: Option<Vec<f64>>,
    pub leave_order: Vec<Vec<usize>>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Log-likelihood, score and information at one β (standardized units).
pub(super) struct Eval {
    pub ll: f64,
    pub grad: Vec<f64>,
    pub info: Vec<f64>,
}

const ROWS_PER_TASK: usize = 8192;

pub(super) fn prepare(data: &CoxData<'_>) -> Result<Prepared> {
    check_survival(data.durations, data.events)?;
    let n = data.durations.len();
    let p = data.names.len();
    check_len("covariate matrix", data.x.len(), n * p)?;
    check_weights(data.weights, n)?;
    if let Some(s) = data.strata {
        check_len("strata", s.len(), n)?;
    }
    if let Some(c) = data.clusters {
        check_len("clusters", c.len(), n)?;
    }
    if let Some(entries) = data.entries {
        check_len("entries", entries.len(), n)?;
        for (row, (&e, &d)) in entries.iter().zip(data.durations).enumerate() {
            if !e.is_finite() || e >= d {
                return Err(Error::InvalidParam {
                    name: "entries",
                    message: format!("row {row}: entry time {e} is not a finite time before its duration {d}"),
                });
            }
        }
    }
    if !data.events.iter().any(|&e| e) {
        return Err(Error::NoEvents { rows: n });
    }
    let mut mean = vec![0.0; p];
    for i in 0..n {
        for j in 0..p {
            let v = data.x[i * p + j];
            if !v.is_finite() {
                return Err(Error::NonFiniteCovariate { covariate: data.names[j].clone(), row: i, value: v });
            }
            mean[j] += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut scale = vec![0.0; p];
    for i in 0..n {
        for j in 0..p {
            let d = data.x[i * p + j] - mean[j];
            scale[j] += d * d;
        }
    }
    for j in 0..p {
        scale[j] = (scale[j] / n as f64).sqrt();
        if scale[j] == 0.0 {
            return Err(Error::ConstantCovariate { covariate: data.names[j].clone(), value: data.x[j] });
        }
    }
    let (stratum_codes, stratum_levels) = match data.strata {
        Some(s) => encode_labels(s),
        None => (vec![0; n], vec![0]),
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stratum_codes[a].cmp(&stratum_codes[b]).then(data.durations[b].total_cmp(&data.durations[a]))
    });
    let mut z = vec![0.0; n * p];
    z.par_chunks_mut(p.max(1) * ROWS_PER_TASK).enumerate().for_each(|(c, chunk)| {
        for (r, out) in chunk.chunks_mut(p.max(1)).enumerate() {
            let i = order[c * ROWS_PER_TASK + r];
            for j in 0..p {
                out[j] = (data.x[i * p + j] - mean[j]) / scale[j];
            }
        }
    });
    let w: Vec<f64> = order.iter().map(|&i| data.weights.map_or(1.0, |w| w[i])).collect();
    let event: Vec<bool> = order.iter().map(|&i| data.events[i]).collect();
    let time: Vec<f64> = order.iter().map(|&i| data.durations[i]).collect();
    let mut blocks = Vec::new();
    let mut strata = Vec::new();
    let mut i = 0;
    while i < n {
        let s = stratum_codes[order[i]];
        let first_block = blocks.len();
        while i < n && stratum_codes[order[i]] == s {
            let mut j = i;
            while j < n && stratum_codes[order[j]] == s && time[j] == time[i] {
                j += 1;
            }
            blocks.push(Block { start: i, end: j });
            i = j;
        }
        strata.push((first_block..blocks.len(), stratum_levels[s]));
    }
    let entry: Option<Vec<f64>> = data.entries.map(|e| order.iter().map(|&i| e[i]).collect());
    let leave_order = match &entry {
        Some(entry) => strata
            .iter()
            .map(|(range, _)| {
                let rows = blocks[range.start].start..blocks[range.end - 1].end;
                let mut pos: Vec<usize> = rows.collect();
                pos.sort_by(|&a, &b| entry[b].total_cmp(&entry[a]));
                pos
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Prepared { n, p, z, w, event, time, order, blocks, strata, entry, leave_order, mean, scale })
}

/// Linear predictor `z'β` for every sorted row, in parallel.
pub(super) fn linear_predictor(prep: &Prepared, beta: &[f64]) -> Vec<f64> {
    let p = prep.p;
    let mut eta = vec![0.0; prep.n];
    if p == 0 {
        return eta;
    }
    eta.par_chunks_mut(ROWS_PER_TASK).enumerate().for_each(|(c, out)| {
        let base = c * ROWS_PER_TASK;
        for (r, e) in out.iter_mut().enumerate() {
            let row = &prep.z[(base + r) * p..(base + r + 1) * p];
            *e = row.iter().zip(beta).map(|(a, b)| a * b).sum();
        }
    });
    eta
}

/// The sums of one block with events over its terms. Term j (of `nt`) has denominator
/// `den_j = S0 − f_j·S0_D` and covariate sum `S1 − f_j·S1_D` (Efron: nt = d, f_j = j/d, weight `wt` =
/// mean event weight; Breslow: one term, f = 0, weight = total event weight), so every sum over terms
/// the likelihood, score, information and residuals need is a combination of S1, S1_D and these scalars.
pub(super) struct BlockSums<'a> {
    /// Risk-set covariate sum S1 (everyone with time ≥ the block's time).
    pub s1: &'a [f64],
    /// The block's events' covariate sum S1_D.
    pub s1d: &'a [f64],
    /// `Σ wt·ln den_j`.
    pub log_den: f64,
    /// `Σ wt/den_j`, `Σ wt·f_j/den_j`.
    pub a0: f64,
    pub a1: f64,
    /// `Σ wt/den_j²`, `Σ wt·f_j/den_j²`, `Σ wt·f_j²/den_j²`.
    pub c0: f64,
    pub c1: f64,
    pub c2: f64,
    /// `Σ 1/den_j`, `Σ f_j/den_j` (unweighted) and the number of terms.
    pub e0: f64,
    pub e1: f64,
    pub nt: f64,
}

/// Walks the risk sets of stratum `stratum` block by block (descending time), calling
/// `visit(block, sums)` for each block that holds events. `r` is `wₖ exp(ηₖ − c)` in sorted order.
/// With entry times, rows leave the risk set once the time reaches their entry.
pub(super) fn walk_terms(
    prep: &Prepared,
    stratum: usize,
    r: &[f64],
    ties: Ties,
    mut visit: impl FnMut(usize, &BlockSums<'_>),
) {
    let p = prep.p;
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s1d = vec![0.0; p];
    let mut leaving = prep.leave_order.get(stratum).map(|v| v.iter().peekable());
    for b in prep.strata[stratum].0.clone() {
        let Block { start, end } = prep.blocks[b];
        let (mut s0d, mut wd, mut d) = (0.0, 0.0, 0usize);
        s1d.iter_mut().for_each(|v| *v = 0.0);
        for k in start..end {
            let zk = &prep.z[k * p..(k + 1) * p];
            let rk = r[k];
            s0 += rk;
            for (acc, z) in s1.iter_mut().zip(zk) {
                *acc += rk * z;
            }
            if prep.event[k] {
                s0d += rk;
                wd += prep.w[k];
                d += 1;
                for (acc, z) in s1d.iter_mut().zip(zk) {
                    *acc += rk * z;
                }
            }
        }
        if d == 0 {
            continue;
        }
        if let (Some(entry), Some(leaving)) = (&prep.entry, leaving.as_mut()) {
            let t = prep.time[start];
            while let Some(&&k) = leaving.peek() {
                if entry[k] < t {
                    break;
                }
                let zk = &prep.z[k * p..(k + 1) * p];
                s0 -= r[k];
                for (acc, z) in s1.iter_mut().zip(zk) {
                    *acc -= r[k] * z;
                }
                leaving.next();
            }
        }
        let mut sums = BlockSums {
            s1: &s1,
            s1d: &s1d,
            log_den: 0.0,
            a0: 0.0,
            a1: 0.0,
            c0: 0.0,
            c1: 0.0,
            c2: 0.0,
            e0: 0.0,
            e1: 0.0,
            nt: 0.0,
        };
        let (nt, wt) = match ties {
            Ties::Breslow => (1, wd),
            Ties::Efron => (d, wd / d as f64),
        };
        for j in 0..nt {
            let f = if nt == 1 { 0.0 } else { j as f64 / nt as f64 };
            let den = s0 - f * s0d;
            let inv = 1.0 / den;
            sums.log_den += wt * den.ln();
            sums.a0 += wt * inv;
            sums.a1 += wt * f * inv;
            sums.c0 += wt * inv * inv;
            sums.c1 += wt * f * inv * inv;
            sums.c2 += wt * f * f * inv * inv;
            sums.e0 += inv;
            sums.e1 += f * inv;
        }
        sums.nt = nt as f64;
        visit(b, &sums);
    }
}

/// Evaluates the log partial likelihood (and, with `full`, the score and information) at `beta`.
pub(super) fn evaluate(prep: &Prepared, beta: &[f64], ties: Ties, full: bool) -> Eval {
    let p = prep.p;
    let eta = linear_predictor(prep, beta);
    // Shifting η by a constant leaves the partial likelihood unchanged and keeps exp() finite.
    let c = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let r: Vec<f64> = eta.iter().zip(&prep.w).map(|(e, w)| w * (e - c).exp()).collect();
    let mut ll = 0.0;
    let mut grad = vec![0.0; p];
    let mut rank_one = vec![0.0; p * p];
    // Per block: Σ wt/den over its terms (applies to everyone at risk) and Σ wt·f/den (removed
    // again for the block's own events).
    let mut alpha = vec![0.0; prep.blocks.len()];
    let mut own = vec![0.0; prep.blocks.len()];
    for stratum in 0..prep.strata.len() {
        walk_terms(prep, stratum, &r, ties, |b, t| {
            let Block { start, end } = prep.blocks[b];
            for k in (start..end).filter(|&k| prep.event[k]) {
                ll += prep.w[k] * (eta[k] - c);
                let zk = &prep.z[k * p..(k + 1) * p];
                for j in 0..p {
                    grad[j] += prep.w[k] * zk[j];
                }
            }
            ll -= t.log_den;
            // Σ_j wt·(S1 − f_j S1_D)/den_j
            for j in 0..p {
                grad[j] -= t.s1[j] * t.a0 - t.s1d[j] * t.a1;
            }
            alpha[b] += t.a0;
            own[b] += t.a1;
            if full {
                // Σ_j wt/den_j²·(S1 − f_j S1_D)(S1 − f_j S1_D)'
                for i in 0..p {
                    let (u, v) = (t.s1[i], t.s1d[i]);
                    let row = &mut rank_one[i * p..(i + 1) * p];
                    for j in i..p {
                        row[j] += t.c0 * u * t.s1[j] - t.c1 * (u * t.s1d[j] + v * t.s1[j]) + t.c2 * v * t.s1d[j];
                    }
                }
            }
        });
    }
    if !full {
        return Eval { ll, grad, info: Vec::new() };
    }
    // aₖ: Σ alpha over the blocks at or after k's block in its stratum (times ≤ tₖ), less those at or
    // before its entry time.
    let mut q = vec![0.0; prep.n];
    for (range, _) in &prep.strata {
        let before = Cumulative::new(prep, range.clone(), |b| alpha[b]);
        let mut acc = 0.0;
        for b in range.clone().rev() {
            acc += alpha[b];
            let Block { start, end } = prep.blocks[b];
            for k in start..end {
                let entered = prep.entry.as_ref().map_or(0.0, |e| before.at(e[k]));
                q[k] = r[k] * (acc - entered - if prep.event[k] { own[b] } else { 0.0 });
            }
        }
    }
    let mut info = weighted_gram(&prep.z, &q, p);
    for i in 0..p {
        for j in i..p {
            info[i * p + j] -= rank_one[i * p + j];
            info[j * p + i] = info[i * p + j];
        }
    }
    Eval { ll, grad, info }
}

/// A per-block quantity summed over a stratum's blocks with time ≤ u, for any u (a step function
/// of the block times, ascending).
pub(super) struct Cumulative {
    times: Vec<f64>,
    sums: Vec<f64>,
}

impl Cumulative {
    pub(super) fn new(prep: &Prepared, blocks: std::ops::Range<usize>, value: impl Fn(usize) -> f64) -> Self {
        let (mut times, mut sums) = (Vec::new(), Vec::new());
        let mut acc = 0.0;
        for b in blocks.rev() {
            acc += value(b);
            times.push(prep.time[prep.blocks[b].start]);
            sums.push(acc);
        }
        Self { times, sums }
    }

    /// The sum over blocks with time ≤ u.
    pub(super) fn at(&self, u: f64) -> f64 {
        let k = self.times.partition_point(|&t| t <= u);
        k.checked_sub(1).map_or(0.0, |k| self.sums[k])
    }
}

/// `Σₖ qₖ zₖ zₖ'` (upper triangle filled), in parallel over row chunks.
fn weighted_gram(z: &[f64], q: &[f64], p: usize) -> Vec<f64> {
    if p == 0 {
        return Vec::new();
    }
    z.par_chunks(p * ROWS_PER_TASK)
        .zip(q.par_chunks(ROWS_PER_TASK))
        .map(|(zc, qc)| {
            let mut acc = vec![0.0; p * p];
            for (row, &qk) in zc.chunks_exact(p).zip(qc) {
                for i in 0..p {
                    let a = qk * row[i];
                    let out = &mut acc[i * p..(i + 1) * p];
                    for j in i..p {
                        out[j] += a * row[j];
                    }
                }
            }
            acc
        })
        .reduce(
            || vec![0.0; p * p],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// A standardized coefficient beyond this (a hazard ratio above e¹⁵ per standard deviation) is taken
/// as diverging when the iterations run out.
const DIVERGED: f64 = 15.0;

/// When the information matrix becomes singular during the iterations, a standardized coefficient
/// beyond this (a hazard ratio above e⁵ ≈ 150 per standard deviation) means the information vanished
/// because the coefficient is running off to infinity, not because covariates are collinear.
const DIVERGING_AT_SINGULAR: f64 = 5.0;

pub(super) fn fit(params: &CoxParams, data: &CoxData<'_>) -> Result<CoxModel> {
    if params.max_iter == 0 {
        return Err(Error::InvalidParam { name: "max_iter", message: "0 iterations".into() });
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::InvalidParam { name: "alpha", message: format!("{} is not in (0, 1)", params.alpha) });
    }
    if !(params.penalizer >= 0.0 && params.penalizer.is_finite()) {
        return Err(Error::InvalidParam {
            name: "penalizer",
            message: format!("{} is not a finite value >= 0", params.penalizer),
        });
    }
    if !(0.0..=1.0).contains(&params.l1_ratio) {
        return Err(Error::InvalidParam { name: "l1_ratio", message: format!("{} is not in [0, 1]", params.l1_ratio) });
    }
    let prep = prepare(data)?;
    let p = prep.p;
    let names = data.names;
    // The penalty n·λ·(r·Σ|βⱼ sdⱼ| + (1−r)/2·Σ(βⱼ sdⱼ)²) in the standardized units of the fit, whose
    // coordinates are βⱼ·sdⱼ(population): the sample sd is c = √(n/(n−1)) times the population sd.
    let n = prep.n as f64;
    let c = if prep.n > 1 { (n / (n - 1.0)).sqrt() } else { 1.0 };
    let ridge = params.penalizer * (1.0 - params.l1_ratio) * n * c * c;
    let lasso = params.penalizer * params.l1_ratio * n * c;
    if lasso > 0.0 && (params.robust || data.clusters.is_some()) {
        return Err(Error::InvalidParam {
            name: "robust",
            message: "robust standard errors of an L1-penalized fit are not provided".into(),
        });
    }
    let evaluate = |beta: &[f64]| {
        let mut e = evaluate(&prep, beta, params.ties, true);
        if ridge > 0.0 {
            for j in 0..p {
                e.ll -= 0.5 * ridge * beta[j] * beta[j];
                e.grad[j] -= ridge * beta[j];
                e.info[j * p + j] += ridge;
            }
        }
        e
    };
    let diverging = |beta: &[f64], limit: f64| -> Option<Error> {
        let (j, b) = beta.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        (b.abs() > limit).then(|| Error::Separation { covariate: names[j].clone(), coefficient: b / prep.scale[j] })
    };
    let mut beta = vec![0.0; p];
    let mut e = evaluate(&beta);
    let null_ll = e.ll;
    let mut iterations = 0;
    let mut last_change = f64::NAN;
    let cov_std = if lasso > 0.0 {
        let (b, last, its) = elastic_net(&evaluate, p, lasso, params.max_iter)?;
        beta = b;
        e = last;
        iterations = its;
        active_covariance(&e.info, &beta)
    } else {
        let chol = loop {
            let chol = match Cholesky::factor(&e.info, p) {
                Ok(c) => c,
                Err(bad) => {
                    return Err(diverging(&beta, DIVERGING_AT_SINGULAR)
                        .unwrap_or_else(|| Error::Collinear { covariate: names[bad.column].clone() }))
                }
            };
            let delta = chol.solve(&e.grad);
            let small_step = delta.iter().zip(&beta).all(|(d, b)| d.abs() <= 1e-10 * (1.0 + b.abs()));
            if small_step || p == 0 {
                break chol;
            }
            if iterations == params.max_iter {
                return Err(
                    diverging(&beta, DIVERGED).unwrap_or(Error::NoConvergence { iterations, change: last_change })
                );
            }
            iterations += 1;
            // Step halving: never accept a step that lowers the likelihood.
            let mut step = 1.0;
            let mut next;
            let mut candidate;
            loop {
                candidate = beta.iter().zip(&delta).map(|(b, d)| b + step * d).collect::<Vec<_>>();
                next = evaluate(&candidate);
                if next.ll >= e.ll - 1e-12 * e.ll.abs() || step < 1e-6 {
                    break;
                }
                step /= 2.0;
            }
            let change = next.ll - e.ll;
            last_change = change;
            beta = candidate;
            e = next;
            if change.abs() <= 1e-13 * e.ll.abs().max(1.0) {
                // The likelihood no longer moves. If the Newton step is still large, the maximum is at
                // infinity along that coefficient (monotone likelihood), as R's coxph warns.
                if let Ok(c) = Cholesky::factor(&e.info, p) {
                    let delta = c.solve(&e.grad);
                    let worst = delta
                        .iter()
                        .zip(&beta)
                        .enumerate()
                        .map(|(j, (d, b))| (j, d.abs() / (1.0 + b.abs())))
                        .max_by(|a, b| a.1.total_cmp(&b.1));
                    if let Some((j, ratio)) = worst {
                        if ratio > 1e-4 {
                            return Err(Error::Separation {
                                covariate: names[j].clone(),
                                coefficient: beta[j] / prep.scale[j],
                            });
                        }
                    }
                    break c;
                }
            }
        };
        if ridge == 0.0 {
            if let Some(err) = diverging(&beta, DIVERGED) {
                return Err(err);
            }
        }
        if params.robust || data.clusters.is_some() {
            robust::sandwich(&prep, &beta, params.ties, &chol.inverse(), data.clusters)
        } else {
            chol.inverse()
        }
    };
    let penalty =
        0.5 * ridge * beta.iter().map(|b| b * b).sum::<f64>() + lasso * beta.iter().map(|b| b.abs()).sum::<f64>();
    let coefficients: Vec<f64> = beta.iter().zip(&prep.scale).map(|(b, s)| b / s).collect();
    let mut covariance = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            covariance[i * p + j] = cov_std[i * p + j] / (prep.scale[i] * prep.scale[j]);
        }
    }
    let eta_sorted = linear_predictor(&prep, &beta);
    let concordance = match prep.entry {
        None => Some(stratified_concordance(&prep, &eta_sorted)?),
        Some(_) => None,
    };
    let baseline = baseline_hazard(&prep, &eta_sorted);
    Ok(CoxModel {
        names: names.to_vec(),
        coefficients,
        covariance,
        robust: params.robust || data.clusters.is_some(),
        ties: params.ties,
        log_likelihood: e.ll + penalty,
        penalty,
        null_log_likelihood: null_ll,
        concordance,
        start_stop: prep.entry.is_some(),
        n: prep.n,
        n_events: data.events.iter().filter(|&&e| e).count(),
        iterations,
        means: prep.mean.clone(),
        baseline,
        alpha: params.alpha,
    })
}

/// Proximal Newton for `max ℓ(β) − ridge/2·‖β‖² − lasso·‖β‖₁` (ridge already inside `evaluate`): each
/// step minimizes the quadratic model of −ℓ plus the L1 term exactly by cyclic coordinate descent
/// (soft-thresholding gives exact zeros), then halves the step until the penalized objective does not
/// increase. Returns β, the evaluation at β and the iterations taken.
fn elastic_net(
    evaluate: &impl Fn(&[f64]) -> Eval,
    p: usize,
    lasso: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, Eval, usize)> {
    let objective = |e: &Eval, beta: &[f64]| -e.ll + lasso * beta.iter().map(|b| b.abs()).sum::<f64>();
    let mut beta = vec![0.0; p];
    let mut e = evaluate(&beta);
    let mut f = objective(&e, &beta);
    let mut last_change = f64::NAN;
    for iteration in 1..=max_iter {
        // Coordinate descent on q(u) = −g'(u−β) + ½(u−β)'I(u−β) + lasso·‖u‖₁.
        let mut u = beta.clone();
        for _ in 0..10_000 {
            let mut change: f64 = 0.0;
            for j in 0..p {
                let h = e.info[j * p + j];
                let mut rest = e.grad[j];
                for k in 0..p {
                    if k != j {
                        rest -= e.info[j * p + k] * (u[k] - beta[k]);
                    }
                }
                let target = h * beta[j] + rest;
                let new = target.signum() * (target.abs() - lasso).max(0.0) / h;
                change = change.max((new - u[j]).abs());
                u[j] = new;
            }
            if change <= 1e-14 {
                break;
            }
        }
        let mut step = 1.0;
        let (next_beta, next, next_f) = loop {
            let cand: Vec<f64> = beta.iter().zip(&u).map(|(b, v)| b + step * (v - b)).collect();
            let ce = evaluate(&cand);
            let cf = objective(&ce, &cand);
            if cf <= f + 1e-12 * f.abs() || step < 1e-8 {
                break (cand, ce, cf);
            }
            step /= 2.0;
        };
        let moved = next_beta.iter().zip(&beta).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        beta = next_beta;
        e = next;
        let df = f - next_f;
        last_change = -df;
        f = next_f;
        if moved <= 1e-11 || df.abs() <= 1e-15 * f.abs().max(1.0) {
            return Ok((beta, e, iteration));
        }
    }
    Err(Error::NoConvergence { iterations: max_iter, change: last_change })
}

/// The inverse penalized information over the non-zero coefficients; NaN for the zero ones (no standard
/// error at a kink of the L1 penalty).
fn active_covariance(info: &[f64], beta: &[f64]) -> Vec<f64> {
    let p = beta.len();
    let active: Vec<usize> = (0..p).filter(|&j| beta[j] != 0.0).collect();
    let m = active.len();
    let mut cov = vec![f64::NAN; p * p];
    let sub: Vec<f64> = active.iter().flat_map(|&i| active.iter().map(move |&j| info[i * p + j])).collect();
    if let Ok(ch) = Cholesky::factor(&sub, m) {
        let inv = ch.inverse();
        for (a, &i) in active.iter().enumerate() {
            for (b, &j) in active.iter().enumerate() {
                cov[i * p + j] = inv[a * m + b];
            }
        }
    }
    cov
}

/// Harrell's C with pairs formed within strata only, counts pooled over strata (lifelines'
/// `concordance_index_` for a stratified fit; the plain index without strata).
fn stratified_concordance(prep: &Prepared, eta: &[f64]) -> Result<f64> {
    let (mut num, mut pairs) = (0.0, 0.0);
    for (range, _) in &prep.strata {
        let rows = prep.blocks[range.start].start..prep.blocks[range.end - 1].end;
        let c = harrell_c(&prep.time[rows.clone()], &prep.event[rows.clone()], &eta[rows])?;
        num += c.concordant + 0.5 * c.tied_risk;
        pairs += c.comparable;
    }
    Ok(if pairs > 0.0 { num / pairs } else { 0.5 })
}

/// Breslow's estimator per stratum: `ΔH₀(t) = Σ_{events at t} wₖ / Σ_{at risk} wₖ exp(ηₖ)`, with η
/// centred at the covariate means.
fn baseline_hazard(prep: &Prepared, eta: &[f64]) -> Vec<BaselineHazard> {
    prep.strata
        .iter()
        .enumerate()
        .map(|(stratum, (range, label))| {
            let mut s0 = 0.0;
            let mut steps = Vec::new();
            let mut leaving = prep.leave_order.get(stratum).map(|v| v.iter().peekable());
            for b in range.clone() {
                let Block { start, end } = prep.blocks[b];
                let mut wd = 0.0;
                for k in start..end {
                    s0 += prep.w[k] * eta[k].exp();
                    if prep.event[k] {
                        wd += prep.w[k];
                    }
                }
                if let (Some(entry), Some(leaving)) = (&prep.entry, leaving.as_mut()) {
                    while let Some(&&k) = leaving.peek() {
                        if entry[k] < prep.time[start] {
                            break;
                        }
                        s0 -= prep.w[k] * eta[k].exp();
                        leaving.next();
                    }
                }
                if wd > 0.0 {
                    steps.push((prep.time[start], wd / s0));
                }
            }
            steps.reverse();
            let mut h = 0.0;
            let (times, cumulative_hazard) = steps
                .into_iter()
                .map(|(t, dh)| {
                    h += dh;
                    (t, h)
                })
                .unzip();
            BaselineHazard { stratum: *label, times, cumulative_hazard }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<f64>, Vec<String>, Vec<f64>, Vec<bool>) {
        let mut rng = mlhc_core::Rng::seed_from_u64(3);
        let n = 60;
        let mut x = Vec::new();
        let mut t = Vec::new();
        let mut e = Vec::new();
        for _ in 0..n {
            let a = rng.normal();
            let b = f64::from(u8::from(rng.bernoulli(0.4)));
            x.extend([a, b]);
            // Integer times so that ties are common.
            t.push((rng.exponential((0.5 * a - 0.7 * b).exp()) * 5.0).ceil());
            e.push(rng.bernoulli(0.75));
        }
        (x, vec!["a".into(), "b".into()], t, e)
    }

    #[test]
    fn score_and_information_match_finite_differences() {
        let (x, names, t, e) = toy();
        let weights: Vec<f64> = (0..t.len()).map(|i| 1.0 + (i % 3) as f64).collect();
        let strata: Vec<usize> = (0..t.len()).map(|i| i % 2).collect();
        let mut data = CoxData::new(&x, &names, &t, &e);
        data.weights = Some(&weights);
        data.strata = Some(&strata);
        let prep = prepare(&data).unwrap();
        for ties in [Ties::Efron, Ties::Breslow] {
            let beta = [0.3, -0.2];
            let e0 = evaluate(&prep, &beta, ties, true);
            let h = 1e-6;
            for j in 0..2 {
                let mut bp = beta;
                bp[j] += h;
                let mut bm = beta;
                bm[j] -= h;
                let (ep, em) = (evaluate(&prep, &bp, ties, true), evaluate(&prep, &bm, ties, true));
                let g = (ep.ll - em.ll) / (2.0 * h);
                assert!((g - e0.grad[j]).abs() < 1e-6 * (1.0 + g.abs()), "{ties:?} grad {j}: {g} vs {}", e0.grad[j]);
                for i in 0..2 {
                    let hij = -(ep.grad[i] - em.grad[i]) / (2.0 * h);
                    assert!((hij - e0.info[i * 2 + j]).abs() < 1e-5 * (1.0 + hij.abs()), "{ties:?} info {i}{j}");
                }
            }
        }
    }

    #[test]
    fn score_vanishes_at_the_fit() {
        let (x, names, t, e) = toy();
        let data = CoxData::new(&x, &names, &t, &e);
        let m = CoxParams::default().fit(&data).unwrap();
        let prep = prepare(&data).unwrap();
        let beta: Vec<f64> = m.coefficients.iter().zip(&prep.scale).map(|(b, s)| b * s).collect();
        let ev = evaluate(&prep, &beta, Ties::Efron, false);
        assert!(ev.grad.iter().all(|g| g.abs() < 1e-9), "{:?}", ev.grad);
        assert!((ev.ll - m.log_likelihood).abs() < 1e-12);
        assert!(m.log_likelihood > m.null_log_likelihood);
    }
}
