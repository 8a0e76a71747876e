//! Nearest-neighbour matching on the propensity score.

use crate::data::CausalData;
use crate::estimate::weighting::clip_all;
use crate::estimate::{CausalParams, Estimand, Point};
use crate::nuisance::fit_propensity;
use crate::{Error, Result};

/// The distance that picks a unit's match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchingDistance {
    /// `|logit e(xᵢ) − logit e(xⱼ)|`.
    PropensityLogit,
    /// `sqrt((xᵢ − xⱼ)ᵀ S⁻¹ (xᵢ − xⱼ))` with `S` the covariance of the (non-constant) covariates over
    /// all rows; with a caliper, only candidates within the caliper on the logit propensity are
    /// considered (Rosenbaum & Rubin 1985).
    Mahalanobis,
}

/// Settings of matching: each unit is matched to the one unit of the other arm that is closest
/// (ties to the lower row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchingParams {
    /// The distance. By default [`MatchingDistance::PropensityLogit`].
    pub distance: MatchingDistance,
    /// Whether a control may serve as the match of several treated units. Without replacement the
    /// treated are matched greedily from the highest propensity down (the hardest to match first),
    /// and only the ATT is defined. By default true.
    pub with_replacement: bool,
    /// Largest allowed distance, in standard deviations of the logit propensity (0.2 is Austin's
    /// usual choice); units without a match within it are dropped and counted. By default `None`
    /// (no caliper).
    pub caliper: Option<f64>,
}

impl Default for MatchingParams {
    fn default() -> Self {
        MatchingParams { distance: MatchingDistance::PropensityLogit, with_replacement: true, caliper: None }
    }
}

/// The closest unused entry of `pool` (sorted by score, then row) to `target` within `max_dist`.
fn nearest(pool: &[(f64, usize)], used: &[bool], target: f64, max_dist: f64) -> Option<usize> {
    let start = pool.partition_point(|&(s, _)| s < target);
    let mut left = start.checked_sub(1);
    while let Some(l) = left {
        if !used[l] {
            break;
        }
        left = l.checked_sub(1);
    }
    let mut right = start;
    while right < pool.len() && used[right] {
        right += 1;
    }
    let dl = left.map(|l| target - pool[l].0);
    let dr = (right < pool.len()).then(|| pool[right].0 - target);
    let pick = match (dl, dr) {
        (Some(a), Some(b)) => {
            let (l, r) = (left.unwrap_or(0), right);
            if a < b || (a == b && pool[l].1 < pool[r].1) {
                Some((l, a))
            } else {
                Some((r, b))
            }
        }
        (Some(a), None) => left.map(|l| (l, a)),
        (None, Some(b)) => Some((right, b)),
        (None, None) => None,
    };
    pick.filter(|&(_, d)| d <= max_dist).map(|(k, _)| k)
}

/// The closest unused entry of `pool` to row `i` in the whitened covariates `z` (k columns), among
/// those within `max_dist` on the score.
fn nearest_mahalanobis(
    pool: &[(f64, usize)],
    used: &[bool],
    target: f64,
    max_dist: f64,
    z: &[f64],
    k: usize,
    i: usize,
) -> Option<usize> {
    let zi = &z[i * k..(i + 1) * k];
    let mut best: Option<(f64, usize, usize)> = None;
    for (m, &(s, j)) in pool.iter().enumerate() {
        if used[m] || (s - target).abs() > max_dist {
            continue;
        }
        let d: f64 = zi.iter().zip(&z[j * k..(j + 1) * k]).map(|(a, b)| (a - b) * (a - b)).sum();
        if best.is_none_or(|(bd, _, bj)| d < bd || (d == bd && j < bj)) {
            best = Some((d, m, j));
        }
    }
    best.map(|(_, m, _)| m)
}

/// The covariates whitened by the Cholesky factor of their covariance (constant columns left out), so
/// that Euclidean distance is the Mahalanobis distance; row-major with the returned number of columns.
fn whiten(data: &CausalData) -> Result<(Vec<f64>, usize)> {
    let (n, p) = (data.n(), data.x.n_cols);
    let x = &data.x.values;
    let mean: Vec<f64> = (0..p).map(|j| (0..n).map(|i| x[i * p + j]).sum::<f64>() / n as f64).collect();
    let var: Vec<f64> =
        (0..p).map(|j| (0..n).map(|i| (x[i * p + j] - mean[j]).powi(2)).sum::<f64>() / n as f64).collect();
    let keep: Vec<usize> = (0..p).filter(|&j| var[j] > 1e-12 * (1.0 + mean[j] * mean[j])).collect();
    let k = keep.len();
    let sd: Vec<f64> = keep.iter().map(|&j| var[j].sqrt()).collect();
    let std = |i: usize, r: usize| (x[i * p + keep[r]] - mean[keep[r]]) / sd[r];
    let mut cov = vec![0.0; k * k];
    for i in 0..n {
        for r in 0..k {
            let a = std(i, r);
            for c in 0..=r {
                cov[r * k + c] += a * std(i, c);
            }
        }
    }
    for r in 0..k {
        for c in 0..=r {
            cov[r * k + c] /= n as f64;
            cov[c * k + r] = cov[r * k + c];
        }
    }
    let l = crate::glm::cholesky(&cov, k).map_err(|(piv, value)| Error::Singular {
        model: "Mahalanobis matching",
        column: data.x.names[keep[piv]].clone(),
        pivot: value,
    })?;
    let mut z = vec![0.0; n * k];
    for i in 0..n {
        for r in 0..k {
            let mut v = std(i, r);
            for c in 0..r {
                v -= l[r * k + c] * z[i * k + c];
            }
            z[i * k + r] = v / l[r * k + r];
        }
    }
    Ok((z, k))
}

pub(crate) fn matching(data: &CausalData, params: &CausalParams) -> Result<Point> {
    let (x, p) = (&data.x.values, data.x.n_cols);
    let mut e = fit_propensity(&params.propensity, x, p, &data.t_f64(), &data.x.names)?.predict(x, p);
    clip_all(&mut e, params.clip.max(1e-12));
    let score: Vec<f64> = e.iter().map(|&v| (v / (1.0 - v)).ln()).collect();
    let n = data.n();
    let mean = score.iter().sum::<f64>() / n as f64;
    let sd = (score.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
    let max_dist = params.matching.caliper.map_or(f64::INFINITY, |c| c * sd);
    let whitened = match params.matching.distance {
        MatchingDistance::PropensityLogit => None,
        MatchingDistance::Mahalanobis => Some(whiten(data)?),
    };
    let find = |pool: &[(f64, usize)], used: &[bool], i: usize| match &whitened {
        None => nearest(pool, used, score[i], max_dist),
        Some((z, k)) => nearest_mahalanobis(pool, used, score[i], max_dist, z, *k, i),
    };
    let pool_of = |arm: bool| {
        let mut v: Vec<(f64, usize)> = (0..n).filter(|&i| data.treatment[i] == arm).map(|i| (score[i], i)).collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    };
    let y = &data.outcome;
    let mut weights = vec![0.0; n];
    let mut diffs = Vec::new();
    let mut unmatched = 0;
    // Treated → controls (ATT and the treated half of the ATE).
    let controls = pool_of(false);
    let mut used = vec![false; controls.len()];
    let mut treated: Vec<usize> = (0..n).filter(|&i| data.treatment[i]).collect();
    if !params.matching.with_replacement {
        treated.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    }
    for &i in &treated {
        match find(&controls, &used, i) {
            Some(k) => {
                let j = controls[k].1;
                if !params.matching.with_replacement {
                    used[k] = true;
                }
                diffs.push(y[i] - y[j]);
                weights[i] += 1.0;
                weights[j] += 1.0;
            }
            None => unmatched += 1,
        }
    }
    if params.estimand == Estimand::Ate {
        let treated_pool = pool_of(true);
        let none = vec![false; treated_pool.len()];
        for i in (0..n).filter(|&i| !data.treatment[i]) {
            match find(&treated_pool, &none, i) {
                Some(k) => {
                    let j = treated_pool[k].1;
                    diffs.push(y[j] - y[i]);
                    weights[i] += 1.0;
                    weights[j] += 1.0;
                }
                None => unmatched += 1,
            }
        }
    }
    if diffs.is_empty() {
        return Err(Error::Degenerate { message: "no unit found a match within the caliper".into() });
    }
    let value = diffs.iter().sum::<f64>() / diffs.len() as f64;
    Ok(Point { value, propensity: Some(e), weights: Some(weights), n_unmatched: unmatched, ..Point::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mahalanobis_whitening_matches_the_covariance() {
        use mlhc_frame::Design;
        // Two correlated columns: whitened, they have identity covariance.
        let x = vec![1.0, 2.0, 2.0, 2.5, 3.0, 5.0, 4.0, 4.0, 5.0, 7.5];
        let data = CausalData::new(
            Design { names: vec!["a".into(), "b".into()], n_rows: 5, n_cols: 2, values: x },
            vec![true, false, true, false, true],
            vec![0.0; 5],
        )
        .unwrap();
        let (z, k) = whiten(&data).unwrap();
        assert_eq!(k, 2);
        for r in 0..2 {
            for c in 0..2 {
                let v: f64 = (0..5).map(|i| z[i * 2 + r] * z[i * 2 + c]).sum::<f64>() / 5.0;
                assert!((v - if r == c { 1.0 } else { 0.0 }).abs() < 1e-12, "{r} {c} {v}");
            }
        }
        let pool = vec![(0.0, 1), (0.0, 3)];
        let m = nearest_mahalanobis(&pool, &[false, false], 0.0, f64::INFINITY, &z, 2, 2);
        let d = |j: usize| (0..2).map(|c| (z[4 + c] - z[j * 2 + c]).powi(2)).sum::<f64>();
        assert_eq!(m, Some(if d(1) <= d(3) { 0 } else { 1 }));
    }

    #[test]
    fn nearest_skips_used_and_respects_caliper() {
        let pool = vec![(0.0, 3), (1.0, 1), (2.0, 0), (2.0, 2)];
        let mut used = vec![false; 4];
        assert_eq!(nearest(&pool, &used, 1.4, f64::INFINITY), Some(1));
        assert_eq!(nearest(&pool, &used, 2.0, f64::INFINITY), Some(2));
        used[1] = true;
        assert_eq!(nearest(&pool, &used, 1.4, f64::INFINITY), Some(2));
        assert_eq!(nearest(&pool, &used, 1.4, 0.5), None);
        assert_eq!(nearest(&pool, &used, -5.0, f64::INFINITY), Some(0));
        used = vec![true; 4];
        assert_eq!(nearest(&pool, &used, 1.0, f64::INFINITY), None);
    }
}
