//! Time-dependent prediction metrics with inverse-probability-of-censoring weights (IPCW): the Brier
//! score and its integral, and the cumulative/dynamic AUC.
//!
//! The censoring survival `G` is the reverse Kaplan–Meier estimate on the training data, with events
//! preceding censorings at tied times. These are scikit-survival 0.23's `brier_score`,
//! `integrated_brier_score` and `cumulative_dynamic_auc`, including their conventions: evaluation
//! times must lie in `[min, max)` of the test follow-up, `G` is read right-continuously at each time,
//! and tied risk scores form one threshold of the ROC curve.

use serde::Serialize;

use crate::concordance::{censoring_survival, step_at};
use crate::data::{check_len, check_survival};
use crate::error::{Error, Result};
use crate::km::KaplanMeier;

/// Brier scores at each time and their integral over the times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrierScores {
    /// The evaluation times, ascending.
    pub times: Vec<f64>,
    /// `BS(t) = mean[ Ŝ(t|xᵢ)²·1(yᵢ ≤ t, δᵢ)/G(yᵢ) + (1 − Ŝ(t|xᵢ))²·1(yᵢ > t)/G(t) ]`.
    pub scores: Vec<f64>,
    /// The trapezoidal integral of `BS(t)` divided by `t_last − t_first` (0 with a single time).
    pub integrated: f64,
}

/// The cumulative/dynamic AUC at each time and its survival-weighted mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicAuc {
    /// The evaluation times, ascending.
    pub times: Vec<f64>,
    /// `AUC(t)`: cases are events by t (weighted 1/G(yᵢ)), controls are subjects still at risk after t.
    pub auc: Vec<f64>,
    /// `Σ AUC(tⱼ)·(Ŝ(tⱼ₋₁) − Ŝ(tⱼ)) / (1 − Ŝ(t_last))` with Ŝ the test-set Kaplan–Meier (the AUC itself
    /// with one time).
    pub mean_auc: f64,
}

fn check_times(test: &[f64], times: &[f64]) -> Result<()> {
    let lo = test.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = test.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if times.is_empty() {
        return Err(Error::InvalidParam { name: "times", message: "no evaluation times".into() });
    }
    for w in times.windows(2) {
        if w[0] >= w[1] {
            return Err(Error::InvalidParam { name: "times", message: format!("not increasing at {}", w[1]) });
        }
    }
    for &t in times {
        if !(t >= lo && t < hi) {
            return Err(Error::InvalidParam {
                name: "times",
                message: format!("{t} is outside the test follow-up [{lo}, {hi})"),
            });
        }
    }
    Ok(())
}

/// Brier scores of predicted survival probabilities `survival` (row-major `n_test × times.len()`,
/// `Ŝ(tⱼ | xᵢ)`) at `times`, with `G` estimated on the training data.
pub fn brier_scores(
    train_durations: &[f64],
    train_events: &[bool],
    durations: &[f64],
    events: &[bool],
    survival: &[f64],
    times: &[f64],
) -> Result<BrierScores> {
    check_survival(train_durations, train_events)?;
    check_survival(durations, events)?;
    check_times(durations, times)?;
    let m = times.len();
    check_len("predicted survival", survival.len(), durations.len() * m)?;
    let g = censoring_survival(train_durations, train_events);
    // sksurv divides by +inf where G is 0, so those terms vanish.
    let inv = |v: f64| if v > 0.0 { 1.0 / v } else { 0.0 };
    let g_y: Vec<f64> = durations.iter().map(|&y| inv(step_at(&g, y))).collect();
    let n = durations.len() as f64;
    let scores: Vec<f64> = times
        .iter()
        .enumerate()
        .map(|(j, &t)| {
            let g_t = inv(step_at(&g, t));
            let mut s = 0.0;
            for i in 0..durations.len() {
                let est = survival[i * m + j];
                if durations[i] <= t && events[i] {
                    s += est * est * g_y[i];
                } else if durations[i] > t {
                    s += (1.0 - est) * (1.0 - est) * g_t;
                }
            }
            s / n
        })
        .collect();
    let integrated = if m > 1 {
        let area: f64 = (1..m).map(|j| 0.5 * (scores[j] + scores[j - 1]) * (times[j] - times[j - 1])).sum();
        area / (times[m - 1] - times[0])
    } else {
        0.0
    };
    Ok(BrierScores { times: times.to_vec(), scores, integrated })
}

/// Cumulative/dynamic AUC of risk scores `risk` (row-major `n_test × times.len()`; higher = earlier
/// event) at `times`, with `G` estimated on the training data.
pub fn cumulative_dynamic_auc(
    train_durations: &[f64],
    train_events: &[bool],
    durations: &[f64],
    events: &[bool],
    risk: &[f64],
    times: &[f64],
) -> Result<DynamicAuc> {
    check_survival(train_durations, train_events)?;
    check_survival(durations, events)?;
    check_times(durations, times)?;
    let m = times.len();
    let n = durations.len();
    check_len("risk scores", risk.len(), n * m)?;
    let g = censoring_survival(train_durations, train_events);
    let mut ipcw = vec![0.0; n];
    for i in 0..n {
        if events[i] {
            let gi = step_at(&g, durations[i]);
            if gi <= 0.0 {
                return Err(Error::InvalidParam {
                    name: "times",
                    message: format!("the censoring survival is 0 at event time {}", durations[i]),
                });
            }
            ipcw[i] = 1.0 / gi;
        }
    }
    let mut auc = Vec::with_capacity(m);
    let mut order: Vec<usize> = (0..n).collect();
    for (j, &t) in times.iter().enumerate() {
        let score = |i: usize| risk[i * m + j];
        order.sort_by(|&a, &b| score(b).total_cmp(&score(a)));
        let total_tp: f64 = (0..n).filter(|&i| durations[i] <= t && events[i]).map(|i| ipcw[i]).sum();
        let total_fp = (0..n).filter(|&i| durations[i] > t).count() as f64;
        let (mut tp, mut fp) = (0.0, 0.0);
        let (mut prev_tpr, mut prev_fpr) = (0.0, 0.0);
        let mut area = 0.0;
        let mut k = 0;
        while k < n {
            // One threshold per distinct score (sksurv merges scores within 1e-8).
            let s0 = score(order[k]);
            while k < n && (score(order[k]) - s0).abs() <= 1e-8 {
                let i = order[k];
                if durations[i] <= t && events[i] {
                    tp += ipcw[i];
                } else if durations[i] > t {
                    fp += 1.0;
                }
                k += 1;
            }
            let (tpr, fpr) = (tp / total_tp, fp / total_fp);
            area += 0.5 * (tpr + prev_tpr) * (fpr - prev_fpr);
            prev_tpr = tpr;
            prev_fpr = fpr;
        }
        auc.push(area);
    }
    let mean_auc = if m == 1 {
        auc[0]
    } else {
        let km = KaplanMeier::fit(durations, events, 0.05)?;
        let s: Vec<f64> = times.iter().map(|&t| km.survival_at(t)).collect();
        let mut integral = 0.0;
        let mut prev = 1.0;
        for (a, &sj) in auc.iter().zip(&s) {
            integral += a * (prev - sj);
            prev = sj;
        }
        integral / (1.0 - s[m - 1])
    };
    Ok(DynamicAuc { times: times.to_vec(), auc, mean_auc })
}
