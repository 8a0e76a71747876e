//! The evaluation of one model's predictions: every metric with a subject-level bootstrap interval.

use serde::Serialize;

use crate::bootstrap::{bootstrap, Clusters, Estimate};
use crate::metrics::{
    average_precision, brier, calibration_curve, calibration_slope_intercept, expected_calibration_error, log_loss,
    roc_auc, threshold_row, CalibrationBin, ThresholdRow,
};
use crate::{Error, Result};

/// Evaluation settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalParams {
    /// Bootstrap replicates. By default 1000.
    pub n_boot: usize,
    /// Seed of the bootstrap. By default 0.
    pub seed: u64,
    /// Interval level. By default 0.95.
    pub level: f64,
    /// Calibration bins. By default 10.
    pub n_bins: usize,
    /// Decision thresholds for the threshold table. By default 0.05, 0.1, 0.2, 0.3, 0.5.
    pub thresholds: Vec<f64>,
}

impl Default for EvalParams {
    fn default() -> Self {
        Self { n_boot: 1000, seed: 0, level: 0.95, n_bins: 10, thresholds: vec![0.05, 0.1, 0.2, 0.3, 0.5] }
    }
}

/// A threshold row with an interval on its net benefit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdEstimate {
    /// Counts and rates at the threshold.
    #[serde(flatten)]
    pub row: ThresholdRow,
    /// Sensitivity with its interval.
    pub sensitivity_ci: Estimate,
    /// Specificity with its interval.
    pub specificity_ci: Estimate,
    /// Net benefit with its interval.
    pub net_benefit_ci: Estimate,
}

/// Metrics of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Rows evaluated.
    pub n_rows: usize,
    /// Distinct subjects.
    pub n_subjects: usize,
    /// Positive rows.
    pub n_positive: usize,
    /// Area under the ROC curve.
    pub auroc: Estimate,
    /// Average precision (area under the precision–recall curve).
    pub auprc: Estimate,
    /// Brier score.
    pub brier: Estimate,
    /// Log loss.
    pub log_loss: Estimate,
    /// Expected calibration error.
    pub ece: Estimate,
    /// Calibration slope.
    pub calibration_slope: Estimate,
    /// Calibration-in-the-large intercept.
    pub calibration_intercept: Estimate,
    /// Calibration curve on the full data.
    pub calibration: Vec<CalibrationBin>,
    /// Threshold table.
    pub thresholds: Vec<ThresholdEstimate>,
    /// The settings used.
    pub params: EvalParams,
}

/// Checks labels are 0/1, probabilities in [0, 1], and lengths agree.
pub(crate) fn check(y: &[f64], p: &[f64], subjects: &[i64]) -> Result<()> {
    if y.len() != p.len() {
        return Err(Error::LengthMismatch { what: "predictions", a: y.len(), b: p.len() });
    }
    if y.len() != subjects.len() {
        return Err(Error::LengthMismatch { what: "subject ids", a: y.len(), b: subjects.len() });
    }
    if let Some(row) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(Error::BadLabel { row, value: y[row] });
    }
    if let Some(row) = p.iter().position(|&v| !(0.0..=1.0).contains(&v)) {
        return Err(Error::BadPrediction { row, value: p[row], expected: "probabilities must be in [0, 1]" });
    }
    Ok(())
}

/// Evaluates probabilities `p` against labels `y`; `subjects` gives each row's subject for the
/// subject-level bootstrap.
pub fn evaluate(y: &[f64], p: &[f64], subjects: &[i64], params: &EvalParams) -> Result<Evaluation> {
    check(y, p, subjects)?;
    if !(params.level > 0.0 && params.level < 1.0) {
        return Err(Error::InvalidParam { name: "level", message: format!("{} must be in (0, 1)", params.level) });
    }
    let clusters = Clusters::new(subjects);
    let pick = |rows: &[usize]| -> (Vec<f64>, Vec<f64>) {
        (rows.iter().map(|&i| y[i]).collect(), rows.iter().map(|&i| p[i]).collect())
    };
    let n_bins = params.n_bins;
    let est = bootstrap(7, &clusters, params.n_boot, params.seed, params.level, |rows| {
        let (yb, pb) = pick(rows);
        let cal = calibration_slope_intercept(&yb, &pb);
        vec![
            roc_auc(&yb, &pb),
            average_precision(&yb, &pb),
            Some(brier(&yb, &pb)),
            Some(log_loss(&yb, &pb)),
            Some(expected_calibration_error(&yb, &pb, n_bins)),
            cal.map(|c| c.0),
            cal.map(|c| c.1),
        ]
    });
    let thresholds = params
        .thresholds
        .iter()
        .map(|&t| {
            let e = bootstrap(3, &clusters, params.n_boot, params.seed, params.level, |rows| {
                let (yb, pb) = pick(rows);
                let r = threshold_row(&yb, &pb, t);
                vec![r.sensitivity, r.specificity, Some(r.net_benefit)]
            });
            ThresholdEstimate {
                row: threshold_row(y, p, t),
                sensitivity_ci: e[0],
                specificity_ci: e[1],
                net_benefit_ci: e[2],
            }
        })
        .collect();
    Ok(Evaluation {
        n_rows: y.len(),
        n_subjects: clusters.rows.len(),
        n_positive: y.iter().filter(|&&v| v == 1.0).count(),
        auroc: est[0],
        auprc: est[1],
        brier: est[2],
        log_loss: est[3],
        ece: est[4],
        calibration_slope: est[5],
        calibration_intercept: est[6],
        calibration: calibration_curve(y, p, params.n_bins),
        thresholds,
        params: params.clone(),
    })
}
