//! Nearest-neighbour matching on the propensity score.

use crate::data::CausalData;
use crate::estimate::weighting::clip_all;
use crate::estimate::{CausalParams, Estimand, Point};
use crate::nuisance::fit_propensity;
use crate::{Error, Result};

/// Settings of propensity-score matching: each unit is matched to the one unit of the other arm whose
/// logit propensity is closest (ties to the lower row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchingParams {
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
        MatchingParams { with_replacement: true, caliper: None }
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

pub(crate) fn matching(data: &CausalData, params: &CausalParams) -> Result<Point> {
    let (x, p) = (&data.x.values, data.x.n_cols);
    let mut e = fit_propensity(&params.propensity, x, p, &data.t_f64(), &data.x.names)?.predict(x, p);
    clip_all(&mut e, params.clip.max(1e-12));
    let score: Vec<f64> = e.iter().map(|&v| (v / (1.0 - v)).ln()).collect();
    let n = data.n();
    let mean = score.iter().sum::<f64>() / n as f64;
    let sd = (score.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
    let max_dist = params.matching.caliper.map_or(f64::INFINITY, |c| c * sd);
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
        match nearest(&controls, &used, score[i], max_dist) {
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
            match nearest(&treated_pool, &none, score[i], max_dist) {
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
