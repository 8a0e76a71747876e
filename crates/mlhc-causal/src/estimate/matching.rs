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

/// Settings of matching: each unit is matched to the `matches` units of the other arm that are
/// closest (ties to the lower row).
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
    /// Matches per unit, `M ≥ 1` (more than 1 only with replacement); a unit's imputed counterfactual
    /// is the mean outcome of its matches (fewer than `M` where the caliper leaves fewer). By default 1.
    pub matches: usize,
}

impl Default for MatchingParams {
    fn default() -> Self {
        MatchingParams {
            distance: MatchingDistance::PropensityLogit,
            with_replacement: true,
            caliper: None,
            matches: 1,
        }
    }
}

/// The (up to) `m` entries of `pool` (sorted by score, then row) closest to `target` within
/// `max_dist`, closest first (ties to the lower row).
fn nearest_m(pool: &[(f64, usize)], target: f64, max_dist: f64, m: usize) -> Vec<usize> {
    let start = pool.partition_point(|&(s, _)| s < target);
    let (mut left, mut right) = (start, start);
    let mut out = Vec::with_capacity(m);
    while out.len() < m {
        let dl = (left > 0).then(|| target - pool[left - 1].0);
        let dr = (right < pool.len()).then(|| pool[right].0 - target);
        let take_left = match (dl, dr) {
            (Some(a), Some(b)) => a < b || (a == b && pool[left - 1].1 < pool[right].1),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let (k, d) = if take_left { (left - 1, dl) } else { (right, dr) };
        if d.is_none_or(|d| d > max_dist) {
            break;
        }
        out.push(k);
        if take_left {
            left -= 1;
        } else {
            right += 1;
        }
    }
    out
}

/// The (up to) `m` entries of `pool` closest to row `i` in the whitened covariates `z` (k columns),
/// among those within `max_dist` on the score, closest first (ties to the lower row).
fn nearest_m_mahalanobis(
    pool: &[(f64, usize)],
    target: f64,
    max_dist: f64,
    z: &[f64],
    k: usize,
    i: usize,
    m: usize,
) -> Vec<usize> {
    let zi = &z[i * k..(i + 1) * k];
    let mut cand: Vec<(f64, usize, usize)> = pool
        .iter()
        .enumerate()
        .filter(|(_, &(s, _))| (s - target).abs() <= max_dist)
        .map(|(q, &(_, j))| (zi.iter().zip(&z[j * k..(j + 1) * k]).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j, q))
        .collect();
    cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    cand.into_iter().take(m).map(|(_, _, q)| q).collect()
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
    if params.matching.with_replacement {
        return with_replacement(data, params, e, &score, max_dist, whitened.as_ref());
    }
    let mut weights = vec![0.0; n];
    let mut diffs = Vec::new();
    let mut unmatched = 0;
    // Without replacement: the treated, greedily from the highest propensity down, each to the closest
    // unused control (ATT only).
    let controls = pool_of(false);
    let mut used = vec![false; controls.len()];
    let mut treated: Vec<usize> = (0..n).filter(|&i| data.treatment[i]).collect();
    treated.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    for &i in &treated {
        match find(&controls, &used, i) {
            Some(k) => {
                let j = controls[k].1;
                used[k] = true;
                diffs.push(y[i] - y[j]);
                weights[i] += 1.0;
                weights[j] += 1.0;
            }
            None => unmatched += 1,
        }
    }
    if diffs.is_empty() {
        return Err(Error::Degenerate { message: "no unit found a match within the caliper".into() });
    }
    let value = diffs.iter().sum::<f64>() / diffs.len() as f64;
    Ok(Point { value, propensity: Some(e), weights: Some(weights), n_unmatched: unmatched, ..Point::default() })
}

/// Matching with replacement, `M` matches per unit, with the Abadie–Imbens (2006) standard error.
///
/// With `K(i)` the matches-weighted number of times unit `i` serves as a match (`Σ 1/|J(l)|` over the
/// units `l` it is matched to) and `σ̂²ᵢ = ½ (Yᵢ − Y_{l(i)})²` from the nearest unit of its own arm
/// (Abadie & Imbens 2006, eq. 14 with J = 1), the variance is
/// ATE: `(1/N²) Σ [(Ŷᵢ(1) − Ŷᵢ(0) − τ̂)² + (K(i)² + (2M − 1)/M · K(i)) σ̂²ᵢ]` (Theorem 7) and
/// ATT: `(1/N₁²) Σ [Tᵢ (Yᵢ − Ŷᵢ(0) − τ̂)² + (1 − Tᵢ) (K(i)² − K(i)/M) σ̂²ᵢ]`, over the matched units.
/// The matching score is treated as known (no adjustment for the estimated propensity).
fn with_replacement(
    data: &CausalData,
    params: &CausalParams,
    e: Vec<f64>,
    score: &[f64],
    max_dist: f64,
    whitened: Option<&(Vec<f64>, usize)>,
) -> Result<Point> {
    let n = data.n();
    let m = params.matching.matches;
    let y = &data.outcome;
    let pool_of = |arm: bool| {
        let mut v: Vec<(f64, usize)> = (0..n).filter(|&i| data.treatment[i] == arm).map(|i| (score[i], i)).collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    };
    let pools = [pool_of(false), pool_of(true)];
    let find = |pool: &[(f64, usize)], i: usize, count: usize, max_dist: f64| -> Vec<usize> {
        let found = match whitened {
            None => nearest_m(pool, score[i], max_dist, count),
            Some((z, k)) => nearest_m_mahalanobis(pool, score[i], max_dist, z, *k, i, count),
        };
        found.into_iter().map(|q| pool[q].1).collect()
    };
    let mut weights = vec![0.0; n];
    let mut uses = vec![0.0; n];
    // (row, Ŷᵢ(1) − Ŷᵢ(0)) of each matched unit.
    let mut diffs: Vec<(usize, f64)> = Vec::new();
    let mut unmatched = 0;
    for i in 0..n {
        let t = data.treatment[i];
        if !t && params.estimand == Estimand::Att {
            continue;
        }
        let js = find(&pools[usize::from(!t)], i, m, max_dist);
        if js.is_empty() {
            unmatched += 1;
            continue;
        }
        let share = 1.0 / js.len() as f64;
        let imputed = js.iter().map(|&j| y[j]).sum::<f64>() * share;
        for &j in &js {
            weights[j] += share;
            uses[j] += share;
        }
        weights[i] += 1.0;
        diffs.push((i, if t { y[i] - imputed } else { imputed - y[i] }));
    }
    if diffs.is_empty() {
        return Err(Error::Degenerate { message: "no unit found a match within the caliper".into() });
    }
    let big_n = diffs.len() as f64;
    let value = diffs.iter().map(|d| d.1).sum::<f64>() / big_n;
    // Conditional variances from the nearest unit of the same arm (no caliper).
    let sigma2 = |i: usize| -> f64 {
        let own = find(&pools[usize::from(data.treatment[i])], i, 2, f64::INFINITY);
        own.into_iter().find(|&l| l != i).map_or(0.0, |l| 0.5 * (y[i] - y[l]).powi(2))
    };
    let mf = m as f64;
    let mut var = diffs.iter().map(|&(_, d)| (d - value).powi(2)).sum::<f64>();
    for (i, &k) in uses.iter().enumerate() {
        if k > 0.0 {
            let factor = match params.estimand {
                Estimand::Ate => k * k + (2.0 * mf - 1.0) / mf * k,
                Estimand::Att => k * k - k / mf,
            };
            if factor != 0.0 {
                var += factor * sigma2(i);
            }
        }
    }
    let se = var.sqrt() / big_n;
    Ok(Point {
        value,
        propensity: Some(e),
        weights: Some(weights),
        n_unmatched: unmatched,
        abadie_imbens_se: Some(se),
        ..Point::default()
    })
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
