//! Concordance indices: Harrell's C and Uno's IPCW C.
//!
//! A pair is comparable when the subject with the shorter time had the event; a subject censored at
//! the very time of another's event counts as still at risk then (comparable), two events at the same
//! time are not. The pair is concordant when the earlier event has the higher risk score; tied scores
//! count one half. These are the definitions of lifelines' `concordance_index` (which takes
//! `-risk`) and of scikit-survival's `concordance_index_censored`. Counting uses a Fenwick tree over
//! risk ranks, so it is O(n log n).

use rayon::prelude::*;
use serde::Serialize;

use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};

/// Pair counts behind a concordance index.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Concordance {
    /// The index: `(concordant + tied_risk / 2) / comparable` (weighted for Uno's C); NaN-free: 0.5
    /// when no pair is comparable.
    pub c_index: f64,
    /// Comparable pairs (sum of weights for Uno's C).
    pub comparable: f64,
    /// Concordant pairs.
    pub concordant: f64,
    /// Comparable pairs with tied risk scores.
    pub tied_risk: f64,
}

/// A Fenwick (binary indexed) tree of subject counts over risk ranks (32-bit counts keep the tree
/// compact in cache; pair weights only scale the queries).
struct Fenwick(Vec<u32>);

impl Fenwick {
    fn add(&mut self, rank: usize) {
        let mut i = rank + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// The number of subjects at ranks `< rank`.
    fn below(&self, rank: usize) -> u64 {
        let mut i = rank;
        let mut s = 0u64;
        while i > 0 {
            s += u64::from(self.0[i]);
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// The subjects at risk, counted for the risk ranks `lo..hi` only: a Fenwick tree over those ranks,
/// the count at each, and how many have a rank below `lo`.
struct RankRange {
    lo: usize,
    hi: usize,
    tree: Fenwick,
    count_at: Vec<u32>,
    below_lo: u64,
}

impl RankRange {
    fn new(lo: usize, hi: usize) -> Self {
        Self { lo, hi, tree: Fenwick(vec![0; hi - lo + 1]), count_at: vec![0; hi - lo], below_lo: 0 }
    }

    fn add(&mut self, rank: usize) {
        if rank < self.lo {
            self.below_lo += 1;
        } else if rank < self.hi {
            self.tree.add(rank - self.lo);
            self.count_at[rank - self.lo] += 1;
        }
    }

    /// For a rank in this range: the subjects at risk with a lower rank, and with this rank.
    fn count(&self, rank: usize) -> Option<(u64, u32)> {
        (self.lo..self.hi)
            .contains(&rank)
            .then(|| (self.below_lo + self.tree.below(rank - self.lo), self.count_at[rank - self.lo]))
    }
}

/// Harrell's C for risk scores where a higher score means an earlier event.
pub fn harrell_c(durations: &[f64], events: &[bool], risk: &[f64]) -> Result<Concordance> {
    check_survival(durations, events)?;
    let weights = vec![1.0; durations.len()];
    weighted_c(durations, events, risk, &weights)
}

/// Concordance where each comparable pair is weighted by the weight of its earlier (event) subject.
fn weighted_c(durations: &[f64], events: &[bool], risk: &[f64], pair_weight: &[f64]) -> Result<Concordance> {
    check_len("risk scores", risk.len(), durations.len())?;
    for (row, &r) in risk.iter().enumerate() {
        if !r.is_finite() {
            return Err(Error::InvalidParam { name: "risk scores", message: format!("row {row} is {r}") });
        }
    }
    let n = durations.len();
    // Dense ranks of the scores (equal scores share a rank), from one parallel sort.
    let mut by_risk: Vec<(f64, usize)> = risk.iter().copied().zip(0..n).collect();
    by_risk.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank = vec![0usize; n];
    let mut levels = 0;
    for (k, &(r, i)) in by_risk.iter().enumerate() {
        if k > 0 && r > by_risk[k - 1].0 {
            levels += 1;
        }
        rank[i] = levels;
    }
    let levels = levels + 1;
    drop(by_risk);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| durations[b].total_cmp(&durations[a]));
    // Subjects enter the risk set in descending time; at each time the censored enter before the
    // events are compared (a censoring at an event's time is still at risk) and the events after (two
    // events at one time are not comparable). `first_of_time[pos]`: where `order[pos]`'s time starts.
    let mut first_of_time = vec![0usize; n];
    for pos in 1..n {
        first_of_time[pos] =
            if durations[order[pos]] == durations[order[pos - 1]] { first_of_time[pos - 1] } else { pos };
    }
    // Per event (by position): how many subjects already at risk have a lower risk rank, and how
    // many the same. The rank range is split among tasks, each with a Fenwick tree over its ranks
    // only (smaller trees, in cache); counts are integers, so the split changes nothing.
    let parts = rayon::current_num_threads().clamp(2, 8).min(levels);
    let per = levels.div_ceil(parts);
    let counted: Vec<Vec<(usize, u64, u32)>> = (0..parts)
        .into_par_iter()
        .map(|part| {
            let mut risk_set = RankRange::new(part * per, ((part + 1) * per).min(levels));
            let mut out = Vec::new();
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j < n && first_of_time[j] == i {
                    j += 1;
                }
                let group = &order[i..j];
                for &k in group.iter().filter(|&&k| !events[k]) {
                    risk_set.add(rank[k]);
                }
                for (pos, &k) in (i..j).zip(group) {
                    if events[k] {
                        if let Some((below, same)) = risk_set.count(rank[k]) {
                            out.push((pos, below, same));
                        }
                    }
                }
                for &k in group.iter().filter(|&&k| events[k]) {
                    risk_set.add(rank[k]);
                }
                i = j;
            }
            out
        })
        .collect();
    let mut below_at = vec![(0u64, 0u32); n];
    for (pos, below, same) in counted.into_iter().flatten() {
        below_at[pos] = (below, same);
    }
    let (mut comparable, mut concordant, mut tied) = (0.0, 0.0, 0.0);
    let mut inserted = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && first_of_time[j] == i {
            j += 1;
        }
        inserted += (i..j).filter(|&pos| !events[order[pos]]).count() as f64;
        for pos in i..j {
            let k = order[pos];
            let w = pair_weight[k];
            if !events[k] || w == 0.0 {
                continue;
            }
            let (below, same) = below_at[pos];
            comparable += w * inserted;
            concordant += w * below as f64;
            tied += w * f64::from(same);
        }
        inserted += (i..j).filter(|&pos| events[order[pos]]).count() as f64;
        i = j;
    }
    let c_index = if comparable > 0.0 { (concordant + 0.5 * tied) / comparable } else { 0.5 };
    Ok(Concordance { c_index, comparable, concordant, tied_risk: tied })
}

/// The censoring survival function `G(t) = P(C > t)` by "reverse" Kaplan–Meier, with events taken to
/// precede censorings at the same time (scikit-survival's `CensoringDistributionEstimator`); returns
/// the step function's (time, value) knots.
pub(crate) fn censoring_survival(durations: &[f64], events: &[bool]) -> Vec<(f64, f64)> {
    let n = durations.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| durations[a].total_cmp(&durations[b]));
    let mut knots = Vec::new();
    let mut g = 1.0;
    let mut i = 0;
    while i < n {
        let time = durations[order[i]];
        let mut j = i;
        let (mut d, mut c) = (0usize, 0usize);
        while j < n && durations[order[j]] == time {
            if events[order[j]] {
                d += 1;
            } else {
                c += 1;
            }
            j += 1;
        }
        let at_risk = (n - i) - d;
        if c > 0 && at_risk > 0 {
            g *= 1.0 - c as f64 / at_risk as f64;
        }
        knots.push((time, g));
        i = j;
    }
    knots
}

/// Evaluates a right-continuous step function given by (time, value) knots (1 before the first knot).
pub(crate) fn step_at(knots: &[(f64, f64)], t: f64) -> f64 {
    let k = knots.partition_point(|&(s, _)| s <= t);
    k.checked_sub(1).map_or(1.0, |k| knots[k].1)
}

/// Uno's C: Harrell's pairs weighted by `1/G(tᵢ)²` for the earlier subject, with `G` the censoring
/// survival estimated on the training data, and only events before `tau` counted (scikit-survival
/// 0.23 `concordance_index_ipcw(train, test, risk, tau)`). `tau` defaults to no truncation.
pub fn uno_c(
    train_durations: &[f64],
    train_events: &[bool],
    durations: &[f64],
    events: &[bool],
    risk: &[f64],
    tau: Option<f64>,
) -> Result<Concordance> {
    check_survival(train_durations, train_events)?;
    check_survival(durations, events)?;
    let g = censoring_survival(train_durations, train_events);
    let mut weights = vec![0.0; durations.len()];
    for i in 0..durations.len() {
        if events[i] && tau.is_none_or(|tau| durations[i] < tau) {
            let gi = step_at(&g, durations[i]);
            if gi <= 0.0 {
                return Err(Error::InvalidParam {
                    name: "tau",
                    message: format!(
                        "the censoring survival is 0 at time {}; lower tau below the last censoring time",
                        durations[i]
                    ),
                });
            }
            weights[i] = 1.0 / (gi * gi);
        }
    }
    weighted_c(durations, events, risk, &weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All O(n²) pairs, straight from the definition.
    fn naive(durations: &[f64], events: &[bool], risk: &[f64]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..durations.len() {
            for j in 0..durations.len() {
                let comparable =
                    events[i] && (durations[i] < durations[j] || (durations[i] == durations[j] && !events[j]));
                if comparable {
                    den += 1.0;
                    if risk[i] > risk[j] {
                        num += 1.0;
                    } else if risk[i] == risk[j] {
                        num += 0.5;
                    }
                }
            }
        }
        num / den
    }

    #[test]
    fn matches_lifelines_on_ties() {
        // lifelines 0.30.3: concordance_index([1, 1, 2, 3, 3], [1, 2, 2, 3, 1], [1, 0, 1, 1, 0]) = 0.6428571428571429;
        // lifelines' second argument is a survival score, so risk = -score.
        let c =
            harrell_c(&[1.0, 1.0, 2.0, 3.0, 3.0], &[true, false, true, true, false], &[-1.0, -2.0, -2.0, -3.0, -1.0])
                .unwrap();
        assert!((c.c_index - 0.642_857_142_857_142_9).abs() < 1e-15);
    }

    #[test]
    fn fenwick_counting_equals_all_pairs() {
        let mut rng = mlhc_core::Rng::seed_from_u64(7);
        for _ in 0..20 {
            let n = 1 + rng.below(60) as usize;
            let d: Vec<f64> = (0..n).map(|_| rng.below(10) as f64).collect();
            let e: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.6)).collect();
            let r: Vec<f64> = (0..n).map(|_| rng.below(5) as f64).collect();
            let c = harrell_c(&d, &e, &r).unwrap();
            let expected = naive(&d, &e, &r);
            if c.comparable > 0.0 {
                assert!((c.c_index - expected).abs() < 1e-12, "{} vs {}", c.c_index, expected);
            }
        }
    }
}
