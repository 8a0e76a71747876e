//! Concordance indices: Harrell's C and Uno's IPCW C.
//!
//! A pair is comparable when the subject with the shorter time had the event; a subject censored at
//! the very time of another's event counts as still at risk then (comparable), two events at the same
//! time are not. The pair is concordant when the earlier event has the higher risk score; tied scores
//! count one half. These are the definitions of lifelines' `concordance_index` (which takes
//! `-risk`) and of scikit-survival's `concordance_index_censored`. Counting sweeps the subjects by
//! score with a Fenwick tree over their times, so it is O(n log n).

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

/// A Fenwick (binary indexed) tree of subject counts over time keys (32-bit counts keep the tree
/// compact in cache; pair weights only scale the queries).
struct Fenwick(Vec<u32>);

impl Fenwick {
    /// The tree holding `counts[key]` subjects at each key.
    fn from_counts(counts: &[u32]) -> Self {
        let mut tree = vec![0; counts.len() + 1];
        tree[1..].copy_from_slice(counts);
        for i in 1..tree.len() {
            let parent = i + (i & i.wrapping_neg());
            if parent < tree.len() {
                tree[parent] += tree[i];
            }
        }
        Fenwick(tree)
    }
    fn add(&mut self, key: usize) {
        let mut i = key + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// The number of subjects at keys `< key`.
    fn below(&self, key: usize) -> u64 {
        let mut i = key;
        let mut s = 0u64;
        while i > 0 {
            s += u64::from(self.0[i]);
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Harrell's C for risk scores where a higher score means an earlier event.
pub fn harrell_c(durations: &[f64], events: &[bool], risk: &[f64]) -> Result<Concordance> {
    check_survival(durations, events)?;
    weighted_c_in(durations, events, risk, None, None)
}

/// Subjects per part of the sweep by score (see [`weighted_c_in`]).
const SWEEP_ROWS: usize = 1 << 16;
/// The most parts the sweep by score is cut into.
const SWEEP_PARTS: usize = 16;
/// The parts' counts per key (two tables of 4 bytes per key and part) stay within this.
const SWEEP_COUNT_BYTES: usize = 32 << 20;

/// Concordance where each comparable pair is weighted by the weight of its earlier (event) subject.
fn weighted_c(durations: &[f64], events: &[bool], risk: &[f64], pair_weight: &[f64]) -> Result<Concordance> {
    weighted_c_in(durations, events, risk, Some(pair_weight), None)
}

/// A score as an unsigned integer in the same order, both zeros as one.
fn score_key(r: f64) -> u64 {
    let bits = if r == 0.0 { 0 } else { r.to_bits() };
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The subjects by descending time, ties in index order (a stable sort): read off directly when the
/// times ascend already (as a Cox fit holds them), sorted in parallel otherwise.
fn by_descending_time(durations: &[f64]) -> Vec<usize> {
    let n = durations.len();
    let ascending = durations.par_windows(2).all(|w| w[0].total_cmp(&w[1]).is_le());
    if !ascending {
        let mut order: Vec<usize> = (0..n).collect();
        order.par_sort_by(|&a, &b| durations[b].total_cmp(&durations[a]));
        return order;
    }
    let mut order = Vec::with_capacity(n);
    let mut end = n;
    while end > 0 {
        let t = durations[end - 1];
        let start = durations[..end].iter().rposition(|d| d.total_cmp(&t).is_ne()).map_or(0, |i| i + 1);
        order.extend(start..end);
        end = start;
    }
    order
}

/// [`weighted_c`] (pair weights all 1 when `None`) with the sweep by score cut into `parts` parts (by default a number set by n and
/// the number of distinct times), run in parallel. A part starts from the counts of the parts before
/// it, and the parts' sums are added in order, so the result does not depend on the thread count.
fn weighted_c_in(
    durations: &[f64],
    events: &[bool],
    risk: &[f64],
    pair_weight: Option<&[f64]>,
    parts: Option<usize>,
) -> Result<Concordance> {
    check_len("risk scores", risk.len(), durations.len())?;
    // Keys (twice the number of distinct times) and subjects are held in 32 bits.
    if durations.len() > (u32::MAX / 2) as usize {
        return Err(Error::InvalidParam {
            name: "risk scores",
            message: format!("{} subjects; at most {} are supported", durations.len(), u32::MAX / 2),
        });
    }
    for (row, &r) in risk.iter().enumerate() {
        if !r.is_finite() {
            return Err(Error::InvalidParam { name: "risk scores", message: format!("row {row} is {r}") });
        }
    }
    let n = durations.len();
    // Subjects by descending time. Those at risk at an event's time (a later time, or censored at that
    // time; two events at one time are not comparable) are exactly those with a smaller key than the
    // event's: twice the index of the time, plus one for an event. The comparable pairs follow from
    // the counts by time alone.
    let order = by_descending_time(durations);
    let weight = |k: usize| pair_weight.map_or(1.0, |w| w[k]);
    let mut by_risk: Vec<(u64, u32, u32)> = Vec::with_capacity(n);
    let (mut comparable, mut inserted, mut times) = (0.0, 0.0, 0usize);
    let mut i = 0;
    while i < n {
        let t = durations[order[i]];
        let j = i + order[i..].iter().take_while(|&&k| durations[k] == t).count();
        let censored = order[i..j].iter().filter(|&&k| !events[k]).count() as f64;
        inserted += censored;
        for &k in &order[i..j] {
            if events[k] {
                let w = weight(k);
                if w != 0.0 {
                    comparable += w * inserted;
                }
            }
            // (Fits: 2·times + 1 < 2n.)
            by_risk.push((score_key(risk[k]), (2 * times) as u32 + u32::from(events[k]), k as u32));
        }
        inserted += (j - i) as f64 - censored;
        times += 1;
        i = j;
    }
    drop(order);
    let keys = 2 * times;
    let parts = parts.unwrap_or_else(|| {
        let fit = SWEEP_COUNT_BYTES / (8 * keys.max(1));
        (n / SWEEP_ROWS).min(fit).clamp(1, SWEEP_PARTS)
    });
    // Subjects are swept in ascending score, a run of equal scores at a time: its events are counted
    // against the Fenwick tree of lower scores (over keys, twice the number of distinct times), then
    // the run enters the tree. The sweep is cut into parts at runs' starts.
    by_risk.par_sort_unstable_by_key(|s| s.0);
    let mut cuts: Vec<usize> = (0..parts).map(|c| c * n / parts).collect();
    cuts.push(n);
    for c in 1..parts {
        let mut at = cuts[c].max(cuts[c - 1]);
        while at > 0 && at < n && by_risk[at].0 == by_risk[at - 1].0 {
            at += 1;
        }
        cuts[c] = at;
    }
    let spans: Vec<&[(u64, u32, u32)]> = cuts.windows(2).map(|w| &by_risk[w[0]..w[1]]).collect();
    let counts: Vec<Vec<u32>> = spans
        .par_iter()
        .map(|span| {
            let mut count = vec![0u32; keys];
            span.iter().for_each(|&(_, key, _)| count[key as usize] += 1);
            count
        })
        .collect();
    let mut before = vec![vec![0u32; keys]; spans.len()];
    for c in 1..spans.len() {
        let (done, rest) = before.split_at_mut(c);
        rest[0].iter_mut().zip(&done[c - 1]).zip(&counts[c - 1]).for_each(|((b, d), n)| *b = d + n);
    }
    let sums: Vec<(f64, f64)> = spans
        .par_iter()
        .zip(&before)
        .map(|(span, below_span)| {
            let mut tree = Fenwick::from_counts(below_span);
            let (mut concordant, mut tied) = (0.0, 0.0);
            let mut run_keys: Vec<u32> = Vec::new();
            let mut i = 0;
            while i < span.len() {
                let j = i + span[i..].iter().take_while(|s| s.0 == span[i].0).count();
                let run = &span[i..j];
                if run.len() > 1 {
                    run_keys.clear();
                    run_keys.extend(run.iter().map(|&(_, key, _)| key));
                    run_keys.sort_unstable();
                }
                for &(_, key, k) in run.iter().filter(|&&(_, key, _)| key % 2 == 1) {
                    let w = weight(k as usize);
                    if w == 0.0 {
                        continue;
                    }
                    let same = if run.len() > 1 { run_keys.partition_point(|&m| m < key) } else { 0 };
                    concordant += w * tree.below(key as usize) as f64;
                    tied += w * same as f64;
                }
                for &(_, key, _) in run {
                    tree.add(key as usize);
                }
                i = j;
            }
            (concordant, tied)
        })
        .collect();
    let (concordant, tied) = sums.iter().fold((0.0, 0.0), |(c, t), &(pc, pt)| (c + pc, t + pt));
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
    fn weighted_counts_equal_all_pairs() -> std::result::Result<(), Box<dyn std::error::Error>> {
        // Ties in time and in score (signed zeros among them), weights on the earlier subject, and one
        // problem where every score is the same.
        let mut rng = mlhc_core::Rng::seed_from_u64(8);
        for case in 0..30 {
            let n = 1 + rng.below(80) as usize;
            let d: Vec<f64> = (0..n).map(|_| rng.below(12) as f64).collect();
            let e: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.5)).collect();
            let r: Vec<f64> = (0..n)
                .map(|i| match (case, i % 4) {
                    (0, _) => 1.0,
                    (_, 0) => 0.0,
                    (_, 1) => -0.0,
                    _ => rng.below(6) as f64 - 3.0,
                })
                .collect();
            let w: Vec<f64> = (0..n).map(|i| if i % 5 == 0 { 0.0 } else { 0.5 + rng.below(4) as f64 }).collect();
            let (mut comparable, mut concordant, mut tied) = (0.0, 0.0, 0.0);
            for i in 0..n {
                for j in 0..n {
                    if events_comparable(&d, &e, i, j) {
                        comparable += w[i];
                        if r[i] > r[j] {
                            concordant += w[i];
                        } else if r[i] == r[j] {
                            tied += w[i];
                        }
                    }
                }
            }
            // One part, and the sweep by score cut into several.
            for parts in [1, 2, 3, 7] {
                let c = weighted_c_in(&d, &e, &r, Some(&w), Some(parts))?;
                let got = (c.comparable, c.concordant, c.tied_risk);
                assert_eq!(got, (comparable, concordant, tied), "case {case}, {parts} parts");
            }
        }
        Ok(())
    }

    fn events_comparable(d: &[f64], e: &[bool], i: usize, j: usize) -> bool {
        e[i] && (d[i] < d[j] || (d[i] == d[j] && !e[j]))
    }

    #[test]
    fn times_in_descending_order_keep_ties_in_index_order() {
        let cases: [&[f64]; 5] =
            [&[], &[3.0], &[1.0, 1.0, 2.0, 5.0, 5.0, 5.0, 7.0], &[4.0, 1.0, 4.0, 2.0, 1.0, 4.0], &[2.0, 1.0]];
        for durations in cases {
            let mut want: Vec<usize> = (0..durations.len()).collect();
            want.sort_by(|&a, &b| durations[b].total_cmp(&durations[a]));
            assert_eq!(by_descending_time(durations), want, "{durations:?}");
        }
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
