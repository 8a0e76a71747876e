//! ROC and precision–recall curves, and a bootstrap band around the ROC curve.

use serde::Serialize;

use crate::bootstrap::{quantile, Clusters};
use crate::metrics::cumulative_counts;

/// (false-positive rate, true-positive rate) at every distinct score threshold, from (0, 0) to (1, 1)
/// (scikit-learn's `roc_curve` with `drop_intermediate=False`). Empty without both classes.
pub fn roc_curve(y: &[f64], score: &[f64]) -> Vec<(f64, f64)> {
    let steps = cumulative_counts(y, score);
    let Some(&(pos, neg)) = steps.last() else { return Vec::new() };
    if pos == 0 || neg == 0 {
        return Vec::new();
    }
    std::iter::once((0.0, 0.0))
        .chain(steps.iter().map(|&(tp, fp)| (fp as f64 / neg as f64, tp as f64 / pos as f64)))
        .collect()
}

/// (recall, precision) at every distinct score threshold, highest threshold first. Empty without
/// positives.
pub fn pr_curve(y: &[f64], score: &[f64]) -> Vec<(f64, f64)> {
    let steps = cumulative_counts(y, score);
    let pos = steps.last().map_or(0, |s| s.0);
    if pos == 0 {
        return Vec::new();
    }
    steps.iter().map(|&(tp, fp)| (tp as f64 / pos as f64, tp as f64 / (tp + fp) as f64)).collect()
}

/// The TPR of a ROC curve at `fpr`, by linear interpolation (the upper envelope at vertical steps).
fn tpr_at(curve: &[(f64, f64)], fpr: f64) -> f64 {
    let k = curve.partition_point(|&(f, _)| f <= fpr);
    if k == 0 {
        return 0.0;
    }
    if k == curve.len() {
        return curve[k - 1].1;
    }
    let (f0, t0) = curve[k - 1];
    let (f1, t1) = curve[k];
    if f1 == f0 {
        t1
    } else {
        t0 + (t1 - t0) * (fpr - f0) / (f1 - f0)
    }
}

/// One point of a ROC band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandPoint {
    /// False-positive rate.
    pub fpr: f64,
    /// TPR of the full-data curve.
    pub tpr: f64,
    /// Lower percentile of the bootstrap TPRs.
    pub low: f64,
    /// Upper percentile.
    pub high: f64,
}

/// The ROC curve on `points` equally spaced FPR values with a pointwise `level` percentile band from
/// `n_boot` subject-level bootstrap replicates (seeded). Empty without both classes.
pub fn roc_band(
    y: &[f64],
    p: &[f64],
    subjects: &[i64],
    points: usize,
    n_boot: usize,
    seed: u64,
    level: f64,
) -> Vec<BandPoint> {
    let full = roc_curve(y, p);
    if full.is_empty() || points < 2 {
        return Vec::new();
    }
    let clusters = Clusters::new(subjects);
    let grid: Vec<f64> = (0..points).map(|k| k as f64 / (points - 1) as f64).collect();
    let curves: Vec<Vec<f64>> = (0..n_boot as u64)
        .filter_map(|b| {
            let rows = clusters.replicate(seed, b);
            let yb: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
            let pb: Vec<f64> = rows.iter().map(|&i| p[i]).collect();
            let c = roc_curve(&yb, &pb);
            (!c.is_empty()).then(|| grid.iter().map(|&f| tpr_at(&c, f)).collect())
        })
        .collect();
    let alpha = (1.0 - level) / 2.0;
    grid.iter()
        .enumerate()
        .map(|(k, &fpr)| {
            let mut v: Vec<f64> = curves.iter().map(|c| c[k]).collect();
            v.sort_by(f64::total_cmp);
            let tpr = tpr_at(&full, fpr);
            let (low, high) = if v.is_empty() { (tpr, tpr) } else { (quantile(&v, alpha), quantile(&v, 1.0 - alpha)) };
            BandPoint { fpr, tpr, low, high }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_match_hand_computation() {
        let y = [0.0, 0.0, 1.0, 1.0];
        let s = [0.1, 0.4, 0.35, 0.8];
        // sklearn 1.5.2 roc_curve(y, s, drop_intermediate=False): fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1]
        assert_eq!(roc_curve(&y, &s), vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]);
        assert_eq!(pr_curve(&y, &s), vec![(0.5, 1.0), (0.5, 0.5), (1.0, 2.0 / 3.0), (1.0, 0.5)]);
        let band = roc_band(&y, &s, &[1, 2, 3, 4], 3, 100, 0, 0.95);
        assert_eq!(band.len(), 3);
        assert!(band.iter().all(|b| b.low <= b.high));
        assert_eq!(band[2].tpr, 1.0);
    }
}
