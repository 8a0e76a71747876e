//! The best split of a leaf: for every feature, every bin threshold, and both directions for the
//! missing bin, the gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` (XGBoost's sparsity-aware split
//! finding, on histograms as in LightGBM).

use rayon::prelude::*;

use super::histogram::{Histograms, Sums};

/// Constraints on a split's children.
#[derive(Debug, Clone, Copy)]
pub struct SplitRules {
    /// λ, the L2 penalty on leaf values.
    pub lambda_l2: f64,
    /// Rows per child at least.
    pub min_data_in_leaf: u32,
    /// Σ hessians per child at least.
    pub min_sum_hessian: f64,
}

/// A candidate split: observed values in bins `≤ bin` go left, the others right, and absent entries
/// go left iff `default_left`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitInfo {
    /// The feature.
    pub feature: usize,
    /// The last bin that goes left.
    pub bin: u8,
    /// Where absent entries go.
    pub default_left: bool,
    /// The gain (> 0).
    pub gain: f64,
    /// Sums of the left child.
    pub left: Sums,
    /// Sums of the right child.
    pub right: Sums,
}

/// `G²/(H + λ)`, twice the loss reduction of a leaf at its Newton value `−G/(H + λ)`.
fn score(s: Sums, lambda: f64) -> f64 {
    s.g * s.g / (s.h + lambda)
}

/// The best split of one feature's histogram `hist` (missing bin last), or `None` when no split meets
/// the rules with a positive gain. Ties keep the first candidate in the order (threshold ascending;
/// missing right before missing left).
pub fn best_for_feature(feature: usize, hist: &[Sums], total: Sums, rules: &SplitRules) -> Option<SplitInfo> {
    let (missing, observed) = hist.split_last()?;
    let parent = score(total, rules.lambda_l2);
    let ok = |s: Sums| s.n >= rules.min_data_in_leaf && s.h >= rules.min_sum_hessian;
    let mut best: Option<SplitInfo> = None;
    let mut cum = Sums::default();
    for (t, &b) in observed.iter().enumerate() {
        cum = cum.add(b);
        let mut candidates = [(cum, false), (cum.add(*missing), true)];
        if missing.n == 0 {
            // No absent entries here: the direction is not learned from data, so send them where most
            // of the hessian mass went (rows at prediction time look most like that child).
            let right = total.sub(cum);
            candidates = [(cum, cum.h >= right.h), (cum, cum.h >= right.h)];
        }
        for (left, default_left) in candidates {
            let right = total.sub(left);
            if !ok(left) || !ok(right) {
                continue;
            }
            let gain = score(left, rules.lambda_l2) + score(right, rules.lambda_l2) - parent;
            if gain > 0.0 && best.is_none_or(|s| gain > s.gain) {
                best = Some(SplitInfo { feature, bin: t as u8, default_left, gain, left, right });
            }
        }
    }
    best
}

/// The best split over the features with a histogram. Features are scanned in parallel and reduced in
/// feature order with a strict `>`, so ties go to the lowest feature index whatever the scheduling.
pub fn best_split(hist: &Histograms, total: Sums, rules: &SplitRules) -> Option<SplitInfo> {
    let per_feature: Vec<Option<SplitInfo>> = hist
        .par_iter()
        .enumerate()
        .map(|(j, h)| if h.is_empty() { None } else { best_for_feature(j, h, total, rules) })
        .collect();
    per_feature.into_iter().flatten().fold(None, |best: Option<SplitInfo>, s| match best {
        Some(b) if b.gain >= s.gain => Some(b),
        _ => Some(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(g: f64, h: f64, n: u32) -> Sums {
        Sums { g, h, n }
    }

    #[test]
    fn missing_goes_with_the_side_it_resembles() {
        // Bins: [g=-4], [g=+4], missing [g=-4]: missing rows look like bin 0, so they go left.
        let hist = [s(-4.0, 4.0, 4), s(4.0, 4.0, 4), s(-4.0, 4.0, 4)];
        let total = hist.iter().fold(Sums::default(), |a, &b| a.add(b));
        let rules = SplitRules { lambda_l2: 0.0, min_data_in_leaf: 1, min_sum_hessian: 0.0 };
        let best = best_for_feature(0, &hist, total, &rules).expect("a split");
        assert_eq!((best.bin, best.default_left), (0, true));
        // G_L = −8, H_L = 8; G_R = 4, H_R = 4; G = −4, H = 12.
        let expected = 64.0 / 8.0 + 16.0 / 4.0 - 16.0 / 12.0;
        assert!((best.gain - expected).abs() < 1e-12);
    }
}
