//! Random survival forests (Ishwaran et al. 2008) with log-rank splitting.
//!
//! Each tree grows on a bootstrap sample; at each node, features are drawn at random until `max_features`
//! non-constant ones have been tried, and the split maximizing the two-sample log-rank statistic
//! `U²/V` is taken, with at least `min_samples_leaf` samples on each side. A leaf holds the Nelson–Aalen
//! cumulative hazard of its samples; the forest's risk score of x is the average over trees of
//! `Σ_T H_leaf(x)(T)` over the distinct training event times T — scikit-survival 0.23's
//! `RandomSurvivalForest` defaults and `predict`. Trees are grown in parallel, each from its own seeded
//! stream, so the forest does not depend on the number of threads.
//!
//! The split search is O(n log n) per feature: moving sample i (time tᵢ, event δᵢ) to the left child
//! changes `U` by `δᵢ − H(tᵢ)` (the node's Nelson–Aalen hazard) and `V` by sums over the times up to tᵢ
//! kept in two Fenwick trees.

use rayon::prelude::*;

use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};

/// Options of a random survival forest.
#[derive(Debug, Clone, PartialEq)]
pub struct RsfParams {
    /// Trees. By default, 100.
    pub n_trees: usize,
    /// A node with fewer samples is a leaf. By default, 6.
    pub min_samples_split: usize,
    /// Each child keeps at least this many samples. By default, 3.
    pub min_samples_leaf: usize,
    /// Features tried per split. By default (`None`), ⌊√p⌋ (at least 1).
    pub max_features: Option<usize>,
    /// Maximum depth. By default (`None`), unlimited.
    pub max_depth: Option<usize>,
    /// Seed: tree t draws from stream t. By default, 0.
    pub seed: u64,
}

impl Default for RsfParams {
    fn default() -> Self {
        Self { n_trees: 100, min_samples_split: 6, min_samples_leaf: 3, max_features: None, max_depth: None, seed: 0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Split { feature: usize, threshold: f64, left: usize, right: usize },
    Leaf { risk: f64 },
}

/// A fitted random survival forest.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomSurvivalForest {
    trees: Vec<Vec<Node>>,
    p: usize,
}

/// A Fenwick tree of sums over time ranks.
struct Fenwick(Vec<f64>);

impl Fenwick {
    fn add(&mut self, i: usize, v: f64) {
        let mut i = i + 1;
        while i < self.0.len() {
            self.0[i] += v;
            i += i & i.wrapping_neg();
        }
    }
    /// Sum over ranks < i.
    fn prefix(&self, i: usize) -> f64 {
        let (mut i, mut s) = (i, 0.0);
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Per-sample quantities of a node's log-rank sweep.
struct NodeTimes {
    /// Time rank of each node sample (index into the node's distinct times).
    rank: Vec<usize>,
    /// Nelson–Aalen H, and the prefix sums A = Σ c/Y, B = Σ c/Y² at each sample's time.
    h: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    n_times: usize,
}

fn node_times(samples: &[usize], durations: &[f64], events: &[bool]) -> NodeTimes {
    let mut times: Vec<f64> = samples.iter().map(|&i| durations[i]).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let m = times.len();
    let rank: Vec<usize> =
        samples.iter().map(|&i| times.partition_point(|t| t.total_cmp(&durations[i]).is_lt())).collect();
    let (mut count, mut deaths) = (vec![0.0; m], vec![0.0; m]);
    for (k, &i) in samples.iter().enumerate() {
        count[rank[k]] += 1.0;
        if events[i] {
            deaths[rank[k]] += 1.0;
        }
    }
    let (mut hh, mut aa, mut bb) = (vec![0.0; m], vec![0.0; m], vec![0.0; m]);
    let mut at_risk: f64 = count.iter().sum();
    let (mut h, mut a, mut b) = (0.0, 0.0, 0.0);
    for t in 0..m {
        let (y, d) = (at_risk, deaths[t]);
        if d > 0.0 {
            h += d / y;
            if y > 1.0 {
                let c = d * (y - d) / (y - 1.0);
                a += c / y;
                b += c / (y * y);
            }
        }
        hh[t] = h;
        aa[t] = a;
        bb[t] = b;
        at_risk -= count[t];
    }
    let pick = |v: &[f64]| rank.iter().map(|&r| v[r]).collect();
    NodeTimes { h: pick(&hh), a: pick(&aa), b: pick(&bb), rank, n_times: m }
}

/// The best log-rank split of `samples` on `feature`: (statistic, threshold), if any is allowed.
fn best_split(
    samples: &[usize],
    nt: &NodeTimes,
    x: &[f64],
    p: usize,
    feature: usize,
    events: &[bool],
    min_leaf: usize,
) -> Option<(f64, f64)> {
    let n = samples.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[samples[a] * p + feature].total_cmp(&x[samples[b] * p + feature]));
    let mut cnt = Fenwick(vec![0.0; nt.n_times + 1]);
    let mut sum_b = Fenwick(vec![0.0; nt.n_times + 1]);
    let (mut u, mut v, mut in_left) = (0.0, 0.0, 0.0);
    let mut best: Option<(f64, f64)> = None;
    for k in 0..n - 1 {
        let j = order[k];
        let r = nt.rank[j];
        // Σ_{t ≤ tⱼ} b_t·Y_L(t) = B(tⱼ)·#{left with time ≥ tⱼ} + Σ_{left with time < tⱼ} B(t).
        let ge = in_left - cnt.prefix(r);
        let s = nt.b[j] * ge + sum_b.prefix(r);
        u += f64::from(u8::from(events[samples[j]])) - nt.h[j];
        v += nt.a[j] - nt.b[j] - 2.0 * s;
        cnt.add(r, 1.0);
        sum_b.add(r, nt.b[j]);
        in_left += 1.0;
        let (xl, xr) = (x[samples[j] * p + feature], x[samples[order[k + 1]] * p + feature]);
        let left = k + 1;
        if xl < xr && left >= min_leaf && n - left >= min_leaf && v > 1e-12 {
            let stat = u * u / v;
            if best.is_none_or(|(b, _)| stat > b) {
                best = Some((stat, xl + 0.5 * (xr - xl)));
            }
        }
    }
    best
}

impl RsfParams {
    /// Grows the forest on a dense row-major design `x` (`n × p`).
    pub fn fit(&self, x: &[f64], p: usize, durations: &[f64], events: &[bool]) -> Result<RandomSurvivalForest> {
        check_survival(durations, events)?;
        let n = durations.len();
        check_len("covariate matrix", x.len(), n * p)?;
        if p == 0 || self.n_trees == 0 || self.min_samples_leaf == 0 {
            return Err(Error::InvalidParam {
                name: "rsf",
                message: format!("{p} features, {} trees, min_samples_leaf {}", self.n_trees, self.min_samples_leaf),
            });
        }
        if let Some((row, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteCovariate {
                covariate: format!("column {}", row % p),
                row: row / p,
                value: *v,
            });
        }
        let mtry = self.max_features.unwrap_or(((p as f64).sqrt().floor() as usize).max(1)).clamp(1, p);
        // Distinct training event times: a leaf's risk is Σ_T H(T) over them.
        let mut event_times: Vec<f64> = (0..n).filter(|&i| events[i]).map(|i| durations[i]).collect();
        event_times.sort_by(f64::total_cmp);
        event_times.dedup();
        let trees = (0..self.n_trees)
            .into_par_iter()
            .map(|t| self.grow(x, p, durations, events, mtry, &event_times, t as u64))
            .collect();
        Ok(RandomSurvivalForest { trees, p })
    }

    #[allow(clippy::too_many_arguments)]
    fn grow(
        &self,
        x: &[f64],
        p: usize,
        durations: &[f64],
        events: &[bool],
        mtry: usize,
        event_times: &[f64],
        stream: u64,
    ) -> Vec<Node> {
        let n = durations.len();
        let mut rng = mlhc_core::Rng::for_stream(self.seed, stream);
        let sample: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
        let mut nodes = vec![Node::Leaf { risk: 0.0 }];
        let mut stack = vec![(0usize, sample, 0usize)];
        while let Some((id, samples, depth)) = stack.pop() {
            let can_split = samples.len() >= self.min_samples_split.max(2 * self.min_samples_leaf)
                && self.max_depth.is_none_or(|d| depth < d)
                && samples.iter().any(|&i| events[i]);
            let mut best: Option<(f64, usize, f64)> = None;
            if can_split {
                let nt = node_times(&samples, durations, events);
                let mut features: Vec<usize> = (0..p).collect();
                let mut tried = 0;
                for k in 0..p {
                    if tried == mtry {
                        break;
                    }
                    let pick = k + rng.below((p - k) as u64) as usize;
                    features.swap(k, pick);
                    let f = features[k];
                    let first = x[samples[0] * p + f];
                    if samples.iter().all(|&i| x[i * p + f] == first) {
                        continue;
                    }
                    tried += 1;
                    if let Some((stat, thr)) = best_split(&samples, &nt, x, p, f, events, self.min_samples_leaf) {
                        if best.is_none_or(|(b, _, _)| stat > b) {
                            best = Some((stat, f, thr));
                        }
                    }
                }
            }
            match best {
                Some((_, feature, threshold)) => {
                    let (l, r): (Vec<usize>, Vec<usize>) =
                        samples.iter().partition(|&&i| x[i * p + feature] <= threshold);
                    let (left, right) = (nodes.len(), nodes.len() + 1);
                    nodes.push(Node::Leaf { risk: 0.0 });
                    nodes.push(Node::Leaf { risk: 0.0 });
                    nodes[id] = Node::Split { feature, threshold, left, right };
                    stack.push((left, l, depth + 1));
                    stack.push((right, r, depth + 1));
                }
                None => nodes[id] = Node::Leaf { risk: leaf_risk(&samples, durations, events, event_times) },
            }
        }
        nodes
    }
}

/// `Σ_T H(T)` over the training event times T, with H the Nelson–Aalen hazard of the leaf's samples:
/// each hazard step ΔH(s) counts once for every T ≥ s.
fn leaf_risk(samples: &[usize], durations: &[f64], events: &[bool], event_times: &[f64]) -> f64 {
    let mut t: Vec<(f64, bool)> = samples.iter().map(|&i| (durations[i], events[i])).collect();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = t.len();
    let mut risk = 0.0;
    let mut k = 0;
    while k < n {
        let time = t[k].0;
        let mut j = k;
        let mut d = 0.0;
        while j < n && t[j].0 == time {
            d += f64::from(u8::from(t[j].1));
            j += 1;
        }
        if d > 0.0 {
            let later = event_times.len() - event_times.partition_point(|&s| s < time);
            risk += d / (n - k) as f64 * later as f64;
        }
        k = j;
    }
    risk
}

impl RandomSurvivalForest {
    /// The risk score of each row of `x` (row-major, the fitted number of columns): higher means an
    /// earlier event.
    pub fn predict_risk(&self, x: &[f64]) -> Result<Vec<f64>> {
        let p = self.p;
        if x.len() % p != 0 {
            return Err(Error::InvalidParam {
                name: "x",
                message: format!("{} values are not whole rows of {p} features", x.len()),
            });
        }
        Ok(x.par_chunks(p)
            .map(|row| {
                let total: f64 = self
                    .trees
                    .iter()
                    .map(|nodes| {
                        let mut id = 0;
                        loop {
                            match nodes[id] {
                                Node::Split { feature, threshold, left, right } => {
                                    id = if row[feature] <= threshold { left } else { right };
                                }
                                Node::Leaf { risk } => break risk,
                            }
                        }
                    })
                    .sum();
                total / self.trees.len() as f64
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logrank::logrank_test;

    #[test]
    fn incremental_statistic_equals_the_log_rank_test() {
        let mut rng = mlhc_core::Rng::seed_from_u64(5);
        let n = 40;
        let durations: Vec<f64> = (0..n).map(|_| rng.below(12) as f64 + 1.0).collect();
        let events: Vec<bool> = (0..n).map(|_| rng.bernoulli(0.7)).collect();
        let x: Vec<f64> = (0..n).map(|_| rng.below(15) as f64).collect();
        // A bootstrap-like node with repeated samples.
        let samples: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
        let nt = node_times(&samples, &durations, &events);
        let (stat, thr) = best_split(&samples, &nt, &x, 1, 0, &events, 1).unwrap();
        // Brute force: every threshold between distinct values, through the log-rank test.
        let d: Vec<f64> = samples.iter().map(|&i| durations[i]).collect();
        let e: Vec<bool> = samples.iter().map(|&i| events[i]).collect();
        let mut values: Vec<f64> = samples.iter().map(|&i| x[i]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let mut brute: Option<(f64, f64)> = None;
        for w in values.windows(2) {
            let t = 0.5 * (w[0] + w[1]);
            let g: Vec<usize> = samples.iter().map(|&i| usize::from(x[i] <= t)).collect();
            let s = logrank_test(&d, &e, &g, None).unwrap().statistic;
            if brute.is_none_or(|(b, _)| s > b) {
                brute = Some((s, t));
            }
        }
        let (bs, bt) = brute.unwrap();
        assert!((stat - bs).abs() < 1e-9 * bs.max(1.0), "{stat} vs {bs}");
        assert_eq!(thr, bt);
    }
}
