//! The cluster-robust (sandwich) covariance from score residuals.
//!
//! The score residual of subject k is `Lₖ = δₖ(zₖ − z̄ₖ) − Σ_terms cₖ exp(ηₖ)(zₖ − z̄_term) wt/den`,
//! over the terms whose risk set holds k, with `cₖ = 1 − j/d` for k's own Efron term j and 1
//! otherwise (R's `residuals.coxph(type = "score")`). With `Dₖ = wₖ Lₖ I⁻¹`, the covariance is
//! `Σ_g (Σ_{k∈g} Dₖ)(Σ_{k∈g} Dₖ)'` over clusters g (each row its own cluster by default), as in
//! R's `coxph(robust = TRUE)` and lifelines' `robust=True` / `cluster_col`.

use super::fit::{linear_predictor, walk_terms, Block, Cumulative, Prepared, Risks};
use super::Ties;
use crate::data::encode_labels;

/// The robust covariance in standardized units; `inv_info` is the inverse information (p×p).
pub(super) fn sandwich(
    prep: &Prepared,
    beta: &[f64],
    ties: Ties,
    inv_info: &[f64],
    clusters: Option<&[usize]>,
) -> Vec<f64> {
    let p = prep.p;
    let eta = linear_predictor(prep, beta);
    let c = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let r: Vec<f64> = eta.iter().zip(&prep.w).map(|(e, w)| w * (e - c).exp()).collect();
    let nb = prep.blocks.len();
    // Per block: Σ wt/den and Σ wt·z̄/den over its terms (for everyone at risk), the same times f for
    // the block's own events, and the events' mean z̄.
    let mut alpha = vec![0.0; nb];
    let mut own = vec![0.0; nb];
    let mut bvec = vec![0.0; nb * p];
    let mut own_vec = vec![0.0; nb * p];
    let mut zbar_event = vec![0.0; nb * p];
    for stratum in 0..prep.strata.len() {
        walk_terms(prep, stratum, Risks::Rows(&r), ties, |b, t| {
            alpha[b] = t.a0;
            own[b] = t.a1;
            for j in 0..p {
                // Σ wt·z̄_j/den_j and Σ wt·f_j·z̄_j/den_j with z̄_j = (S1 − f_j S1_D)/den_j.
                bvec[b * p + j] = t.s1[j] * t.c0 - t.s1d[j] * t.c1;
                own_vec[b * p + j] = t.s1[j] * t.c1 - t.s1d[j] * t.c2;
                // The events' mean z̄ over the terms (Breslow has one term).
                zbar_event[b * p + j] = (t.s1[j] * t.e0 - t.s1d[j] * t.e1) / t.nt;
            }
        });
    }
    let (cluster_codes, n_clusters) = match clusters {
        Some(cl) => {
            let sorted: Vec<usize> = prep.order.iter().map(|&i| cl[i]).collect();
            let (codes, levels) = encode_labels(&sorted);
            (codes, levels.len())
        }
        None => ((0..prep.n).collect(), prep.n),
    };
    let mut sums = vec![0.0; n_clusters * p];
    let mut resid = vec![0.0; p];
    for (range, _) in &prep.strata {
        // Start–stop rows are at risk only after their entry: the sums up to the entry time come off.
        let entered_a = Cumulative::new(prep, range.clone(), |b| alpha[b]);
        let entered_b: Vec<Cumulative> =
            (0..p).map(|j| Cumulative::new(prep, range.clone(), |b| bvec[b * p + j])).collect();
        let mut acc_a = 0.0;
        let mut acc_b = vec![0.0; p];
        for b in range.clone().rev() {
            acc_a += alpha[b];
            for j in 0..p {
                acc_b[j] += bvec[b * p + j];
            }
            let Block { start, end } = prep.blocks[b];
            for k in start..end {
                let zk = prep.row(k);
                let risk = (eta[k] - c).exp();
                let entry = prep.entry.as_ref().map(|e| e[k]);
                let ea = entry.map_or(0.0, |u| entered_a.at(u));
                for j in 0..p {
                    let eb = entry.map_or(0.0, |u| entered_b[j].at(u));
                    let mut at_risk = zk[j] * (acc_a - ea) - (acc_b[j] - eb);
                    let mut l = 0.0;
                    if prep.event[k] {
                        at_risk -= zk[j] * own[b] - own_vec[b * p + j];
                        l += zk[j] - zbar_event[b * p + j];
                    }
                    resid[j] = prep.w[k] * (l - risk * at_risk);
                }
                let g = cluster_codes[k];
                for j in 0..p {
                    let d: f64 = (0..p).map(|i| resid[i] * inv_info[i * p + j]).sum();
                    sums[g * p + j] += d;
                }
            }
        }
    }
    let mut cov = vec![0.0; p * p];
    for g in sums.chunks_exact(p.max(1)) {
        for i in 0..p {
            for j in 0..p {
                cov[i * p + j] += g[i] * g[j];
            }
        }
    }
    cov
}
