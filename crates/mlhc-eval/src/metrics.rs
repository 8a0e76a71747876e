//! Point metrics on (label, prediction) pairs. Each is defined for degenerate inputs: metrics that need
//! both classes return `None` when one is missing.

use serde::Serialize;

/// Cumulative (true-positive, false-positive) counts at every distinct score, highest score first:
/// the common walk behind the ROC and precision–recall curves and their areas. Tied scores form one
/// step.
pub(crate) fn cumulative_counts(y: &[f64], score: &[f64]) -> Vec<(u64, u64)> {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut k = 0;
    while k < order.len() {
        let s = score[order[k]];
        while k < order.len() && score[order[k]] == s {
            if y[order[k]] == 1.0 {
                tp += 1;
            } else {
                fp += 1;
            }
            k += 1;
        }
        out.push((tp, fp));
    }
    out
}

/// Area under the ROC curve: the probability that a random positive scores above a random negative,
/// ties counted as one half (the Mann–Whitney statistic; equals scikit-learn's `roc_auc_score`).
/// Computed as the trapezoidal area in integer counts, which is exact. `None` without both classes.
pub fn roc_auc(y: &[f64], score: &[f64]) -> Option<f64> {
    let steps = cumulative_counts(y, score);
    let &(pos, neg) = steps.last()?;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Twice the area in units of one (positive, negative) pair: Σ Δfp · (tp_prev + tp).
    let (mut twice, mut prev) = (0u128, (0u64, 0u64));
    for &(tp, fp) in &steps {
        twice += (fp - prev.1) as u128 * (tp + prev.0) as u128;
        prev = (tp, fp);
    }
    Some(twice as f64 / (2.0 * pos as f64 * neg as f64))
}

/// Average precision: `Σ (Rₖ − Rₖ₋₁) Pₖ` over decreasing score thresholds (scikit-learn's
/// `average_precision_score`). `None` without positives.
pub fn average_precision(y: &[f64], score: &[f64]) -> Option<f64> {
    let steps = cumulative_counts(y, score);
    let pos = steps.last()?.0;
    if pos == 0 {
        return None;
    }
    let (mut ap, mut prev_tp) = (0.0, 0u64);
    for &(tp, fp) in &steps {
        ap += (tp - prev_tp) as f64 / pos as f64 * tp as f64 / (tp + fp) as f64;
        prev_tp = tp;
    }
    Some(ap)
}

/// Mean squared error of probabilities (scikit-learn's `brier_score_loss`).
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    y.iter().zip(p).map(|(y, p)| (p - y) * (p - y)).sum::<f64>() / y.len().max(1) as f64
}

/// Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15] (scikit-learn's `log_loss`).
pub fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    let eps = 1e-15;
    y.iter()
        .zip(p)
        .map(|(&y, &p)| {
            let p = p.clamp(eps, 1.0 - eps);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / y.len().max(1) as f64
}

/// One bin of a calibration curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Rows in the bin.
    pub count: usize,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Observed share of positives.
    pub fraction_positive: f64,
}

/// The calibration curve on `n_bins` equal-width bins of [0, 1]; a prediction on an inner edge falls in
/// the lower bin (scikit-learn's `calibration_curve(strategy="uniform")`). Empty bins are left out.
pub fn calibration_curve(y: &[f64], p: &[f64], n_bins: usize) -> Vec<CalibrationBin> {
    let n_bins = n_bins.max(1);
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    for (&y, &p) in y.iter().zip(p) {
        // ceil(p·n) − 1 puts p on an inner edge k/n into bin k − 1.
        let b = ((p * n_bins as f64).ceil() as isize - 1).clamp(0, n_bins as isize - 1) as usize;
        count[b] += 1;
        sum_p[b] += p;
        sum_y[b] += y;
    }
    (0..n_bins)
        .filter(|&b| count[b] > 0)
        .map(|b| CalibrationBin {
            lo: b as f64 / n_bins as f64,
            hi: (b + 1) as f64 / n_bins as f64,
            count: count[b],
            mean_predicted: sum_p[b] / count[b] as f64,
            fraction_positive: sum_y[b] / count[b] as f64,
        })
        .collect()
}

/// Expected calibration error: `Σ_b (n_b / n) |observed_b − predicted_b|` over the bins of
/// [`calibration_curve`].
pub fn expected_calibration_error(y: &[f64], p: &[f64], n_bins: usize) -> f64 {
    let n = y.len().max(1) as f64;
    calibration_curve(y, p, n_bins)
        .iter()
        .map(|b| b.count as f64 / n * (b.fraction_positive - b.mean_predicted).abs())
        .sum()
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Calibration slope and intercept: the slope `b` of the logistic recalibration `logit P(y) = a + b·logit(p)`,
/// and the calibration-in-the-large intercept `a` of `logit P(y) = a + logit(p)` (slope fixed at 1), both
/// by maximum likelihood (Newton's method). Perfect calibration gives slope 1 and intercept 0. `None`
/// without both classes or when the fit does not converge (separation).
pub fn calibration_slope_intercept(y: &[f64], p: &[f64]) -> Option<(f64, f64)> {
    let n_pos = y.iter().filter(|&&v| v == 1.0).count();
    if n_pos == 0 || n_pos == y.len() {
        return None;
    }
    let x: Vec<f64> = p.iter().map(|&p| logit(p)).collect();
    // Slope: two-parameter Newton with step halving (plain Newton can overshoot from a far start).
    let loglik = |a: f64, b: f64| -> f64 {
        x.iter()
            .zip(y)
            .map(|(&xi, &yi)| {
                let e = a + b * xi;
                let softplus = if e > 0.0 { e + (-e).exp().ln_1p() } else { e.exp().ln_1p() };
                yi * e - softplus
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, 1.0);
    let mut ll = loglik(a, b);
    let mut converged = false;
    for _ in 0..200 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(y) {
            let m = sigmoid(a + b * xi);
            let w = m * (1.0 - m);
            g0 += yi - m;
            g1 += (yi - m) * xi;
            h00 += w;
            h01 += w * xi;
            h11 += w * xi * xi;
        }
        let det = h00 * h11 - h01 * h01;
        if det.is_nan() || det.abs() <= 1e-300 {
            return None;
        }
        let (mut da, mut db) = ((h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det);
        let mut halvings = 0;
        let mut new_ll = loglik(a + da, b + db);
        while (new_ll.is_nan() || new_ll < ll - 1e-12 * ll.abs()) && halvings < 50 {
            da *= 0.5;
            db *= 0.5;
            new_ll = loglik(a + da, b + db);
            halvings += 1;
        }
        a += da;
        b += db;
        ll = new_ll;
        if !(a.is_finite() && b.is_finite()) {
            return None;
        }
        if da.abs().max(db.abs()) < 1e-10 {
            converged = true;
            break;
        }
    }
    if !converged {
        return None;
    }
    // Intercept with the slope fixed at 1 (offset logit(p)).
    let mut c = 0.0;
    for _ in 0..100 {
        let (mut g, mut h) = (0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(y) {
            let m = sigmoid(c + xi);
            g += yi - m;
            h += m * (1.0 - m);
        }
        if h < 1e-300 {
            return None;
        }
        let d = g / h;
        c += d;
        if d.abs() < 1e-10 {
            return Some((b, c));
        }
    }
    None
}

/// Counts at one decision threshold (predicted positive when `p >= threshold`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdRow {
    /// The threshold.
    pub threshold: f64,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// True negatives.
    pub tn: usize,
    /// False negatives.
    pub fn_: usize,
    /// TP / (TP + FN); `None` without positives.
    pub sensitivity: Option<f64>,
    /// TN / (TN + FP); `None` without negatives.
    pub specificity: Option<f64>,
    /// TP / (TP + FP); `None` when nothing is flagged.
    pub ppv: Option<f64>,
    /// TN / (TN + FN); `None` when everything is flagged.
    pub npv: Option<f64>,
    /// Flagged rows per 100 rows.
    pub alerts_per_100: f64,
    /// Decision-curve net benefit: TP/n − FP/n · t/(1 − t) (Vickers & Elkin 2006).
    pub net_benefit: f64,
}

/// The counts and rates at `threshold`.
pub fn threshold_row(y: &[f64], p: &[f64], threshold: f64) -> ThresholdRow {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (&y, &p) in y.iter().zip(p) {
        match (p >= threshold, y == 1.0) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let ratio = |a: usize, b: usize| (a + b > 0).then(|| a as f64 / (a + b) as f64);
    let n = y.len().max(1) as f64;
    let odds = if threshold < 1.0 { threshold / (1.0 - threshold) } else { f64::INFINITY };
    ThresholdRow {
        threshold,
        tp,
        fp,
        tn,
        fn_,
        sensitivity: ratio(tp, fn_),
        specificity: ratio(tn, fp),
        ppv: ratio(tp, fp),
        npv: ratio(tn, fn_),
        alerts_per_100: 100.0 * (tp + fp) as f64 / n,
        net_benefit: tp as f64 / n - if fp > 0 { fp as f64 / n * odds } else { 0.0 },
    }
}
