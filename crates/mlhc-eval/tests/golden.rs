//! Metrics against scikit-learn 1.5.2 and fairlearn 0.12.0 on fixed predictions
//! (bench/eval/golden_eval.py prints every value used here).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use mlhc_eval::metrics::{
    average_precision, brier, calibration_curve, calibration_slope_intercept, log_loss, roc_auc, threshold_row,
};
use mlhc_eval::{evaluate, subgroups, EvalParams};

/// y = (7i mod 11 < 4), p = (13i mod 17)/17 · 0.9 + 0.05, group = "ABC"[i mod 3], two rows per subject.
fn data() -> (Vec<f64>, Vec<f64>, Vec<String>, Vec<i64>) {
    let n = 60;
    let y = (0..n).map(|i| if (i * 7) % 11 < 4 { 1.0 } else { 0.0 }).collect();
    let p = (0..n).map(|i| ((i * 13) % 17) as f64 / 17.0 * 0.9 + 0.05).collect();
    let g = (0..n).map(|i| ["A", "B", "C"][i % 3].to_string()).collect();
    let s = (0..n).map(|i| (i / 2) as i64).collect();
    (y, p, g, s)
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn point_metrics_match_sklearn() {
    let (y, p, _, _) = data();
    close(roc_auc(&y, &p).unwrap(), 0.5269138755980861); // roc_auc_score(y, p)
    close(average_precision(&y, &p).unwrap(), 0.41466912333535727); // average_precision_score(y, p)
    close(brier(&y, &p), 0.2979117647058825); // brier_score_loss(y, p)
    close(log_loss(&y, &p), 0.8330165339501953); // log_loss(y, p)
                                                 // calibration_curve(y, p, n_bins=10): (prob_true, prob_pred) of the non-empty bins.
    let cal = calibration_curve(&y, &p, 10);
    let t: Vec<f64> = cal.iter().map(|b| b.fraction_positive).collect();
    let m: Vec<f64> = cal.iter().map(|b| b.mean_predicted).collect();
    let want_t = [0.25, 0.375, 0.5, 0.25, 1.0 / 3.0, 0.375, 1.0 / 3.0, 0.5, 1.0 / 3.0];
    let want_m = [
        0.05,
        0.12941176470588234,
        0.2352941176470588,
        0.34117647058823525,
        0.44705882352941173,
        0.5529411764705883,
        0.6588235294117648,
        0.7647058823529411,
        0.8705882352941177,
    ];
    assert_eq!(t.len(), want_t.len());
    for k in 0..t.len() {
        close(t[k], want_t[k]);
        close(m[k], want_m[k]);
    }
    // LogisticRegression(penalty=None).fit(logit(p), y).coef_ is the calibration slope.
    let (slope, _) = calibration_slope_intercept(&y, &p).unwrap();
    assert!((slope - 0.07770957266850684).abs() < 1e-6, "{slope}");
}

#[test]
fn fairness_gaps_match_fairlearn() {
    let (y, p, g, s) = data();
    let r = subgroups(&y, &p, &s, &g, 0.5, &EvalParams { n_boot: 200, ..Default::default() }).unwrap();
    // demographic_parity_difference / equalized_odds_difference(y, p >= 0.5, sensitive_features=g)
    close(r.demographic_parity_difference.value.unwrap(), 0.04999999999999999);
    close(r.equalized_odds_difference.value.unwrap(), 0.08333333333333331);
    assert_eq!(r.groups.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    assert_eq!(r.groups.iter().map(|g| g.n_rows).sum::<usize>(), 60);
    let ci = r.equalized_odds_difference;
    assert!(ci.ci_low.unwrap() <= ci.ci_high.unwrap() && ci.n_boot > 150);
}

#[test]
fn bootstrap_is_seeded_and_resamples_subjects() {
    let (y, p, _, s) = data();
    let params = EvalParams { n_boot: 300, seed: 7, ..Default::default() };
    let a = evaluate(&y, &p, &s, &params).unwrap();
    let b = evaluate(&y, &p, &s, &params).unwrap();
    assert_eq!(a, b, "same seed, same intervals, bit for bit");
    let c = evaluate(&y, &p, &s, &EvalParams { seed: 8, ..params.clone() }).unwrap();
    assert_ne!(a.auroc.ci_low, c.auroc.ci_low);
    assert_eq!((a.n_rows, a.n_subjects, a.n_positive), (60, 30, 22));
    let (lo, hi) = (a.auroc.ci_low.unwrap(), a.auroc.ci_high.unwrap());
    assert!(lo < 0.527 && 0.527 < hi && hi - lo < 0.5, "[{lo}, {hi}]");
}

#[test]
fn perfectly_calibrated_predictions_have_slope_one_intercept_zero() {
    // For every p on a grid, the observed share of positives equals p exactly.
    let (mut y, mut p) = (Vec::new(), Vec::new());
    for k in 1..10 {
        let prob = k as f64 / 10.0;
        for j in 0..10 {
            p.push(prob);
            y.push(if j < k { 1.0 } else { 0.0 });
        }
    }
    let (slope, intercept) = calibration_slope_intercept(&y, &p).unwrap();
    assert!((slope - 1.0).abs() < 1e-8 && intercept.abs() < 1e-8, "{slope} {intercept}");
}

#[test]
fn degenerate_inputs_are_defined() {
    let y = [1.0, 1.0, 1.0];
    let p = [0.2, 0.5, 0.5];
    assert_eq!(roc_auc(&y, &p), None);
    assert_eq!(calibration_slope_intercept(&y, &p), None);
    let e = evaluate(&y, &p, &[1, 2, 3], &EvalParams { n_boot: 50, ..Default::default() }).unwrap();
    assert_eq!((e.auroc.value, e.auroc.n_boot), (None, 0));
    // All-equal scores: AUROC is exactly one half.
    assert_eq!(roc_auc(&[0.0, 1.0, 0.0, 1.0], &[0.3; 4]), Some(0.5));
    let r = threshold_row(&[0.0, 1.0], &[0.1, 0.2], 0.9);
    assert_eq!((r.ppv, r.sensitivity, r.alerts_per_100), (None, Some(0.0), 0.0));
    let err = evaluate(&[0.0, 1.0], &[0.5, 1.5], &[1, 2], &EvalParams::default()).unwrap_err();
    assert_eq!(err.to_string(), "prediction at row 1 is 1.5; probabilities must be in [0, 1]");
}

#[test]
fn calibration_slope_converges_from_far_away() {
    // Predictions barely spread around 0.1 and strongly against the outcome: plain Newton from slope 1
    // overshoots here. scikit-learn 1.5.2: LogisticRegression(penalty=None, tol=1e-12,
    // max_iter=100000).fit(logit(p), y).coef_ = -24.594439095633668 (bench/eval/golden_eval.py).
    let n = 200;
    let p: Vec<f64> = (0..n).map(|i| 0.08 + 0.04 * ((i * 37) % 101) as f64 / 100.0).collect();
    let y: Vec<f64> = (0..n).map(|i| if ((i * 37) % 101) < 30 && i % 3 != 0 { 1.0 } else { 0.0 }).collect();
    assert_eq!(y.iter().sum::<f64>(), 38.0);
    let (slope, _) = calibration_slope_intercept(&y, &p).unwrap();
    assert!((slope - -24.594439095633668).abs() < 1e-5, "{slope}");
}
