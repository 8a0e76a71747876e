//! Subject-level bootstrap: subjects are resampled with replacement and carry all their rows, so that
//! confidence intervals respect several predictions per subject.

use std::collections::BTreeMap;

use mlhc_core::Rng;
use rayon::prelude::*;
use serde::Serialize;

/// A point estimate with its bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The value on the full data (`None` when undefined, e.g. AUROC with one class).
    pub value: Option<f64>,
    /// Lower end of the interval.
    pub ci_low: Option<f64>,
    /// Upper end of the interval.
    pub ci_high: Option<f64>,
    /// Bootstrap replicates in which the metric was defined.
    pub n_boot: usize,
}

/// Rows grouped by subject, in increasing subject order.
pub(crate) struct Clusters {
    pub rows: Vec<Vec<usize>>,
}

impl Clusters {
    pub fn new(subjects: &[i64]) -> Self {
        let mut by: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, &s) in subjects.iter().enumerate() {
            by.entry(s).or_default().push(i);
        }
        Self { rows: by.into_values().collect() }
    }

    /// The row indices of bootstrap replicate `b` (seeded per replicate, so the result does not depend
    /// on thread scheduling).
    pub fn replicate(&self, seed: u64, b: u64) -> Vec<usize> {
        let mut rng = Rng::for_stream(seed, b);
        let k = self.rows.len() as u64;
        let mut out = Vec::new();
        for _ in 0..k {
            out.extend_from_slice(&self.rows[rng.below(k) as usize]);
        }
        out
    }
}

/// The `q`-quantile of sorted values, linear interpolation (numpy's default).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Runs `stat` on the full data and on `n_boot` replicates; each call returns one value per statistic
/// (`None` where undefined). Returns one [`Estimate`] per statistic with a `level` percentile interval.
pub(crate) fn bootstrap<F>(
    n_stats: usize,
    clusters: &Clusters,
    n_boot: usize,
    seed: u64,
    level: f64,
    stat: F,
) -> Vec<Estimate>
where
    F: Fn(&[usize]) -> Vec<Option<f64>> + Sync,
{
    let all: Vec<usize> = clusters.rows.iter().flatten().copied().collect();
    let point = stat(&all);
    let reps: Vec<Vec<Option<f64>>> =
        (0..n_boot as u64).into_par_iter().map(|b| stat(&clusters.replicate(seed, b))).collect();
    (0..n_stats)
        .map(|k| {
            let mut vals: Vec<f64> = reps.iter().filter_map(|r| r[k]).collect();
            vals.sort_by(f64::total_cmp);
            let alpha = (1.0 - level) / 2.0;
            let (ci_low, ci_high) = if vals.is_empty() {
                (None, None)
            } else {
                (Some(quantile(&vals, alpha)), Some(quantile(&vals, 1.0 - alpha)))
            };
            Estimate { value: point[k], ci_low, ci_high, n_boot: vals.len() }
        })
        .collect()
}
