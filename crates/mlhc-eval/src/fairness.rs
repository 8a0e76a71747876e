//! Subgroup metrics and fairness gaps (fairlearn's definitions), each with a subject-level bootstrap
//! interval.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bootstrap::{bootstrap, Clusters, Estimate};
use crate::evaluate::{check, EvalParams};
use crate::metrics::{average_precision, brier, roc_auc};
use crate::{Error, Result};

/// Metrics of one subgroup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupMetrics {
    /// The group's value (e.g. `F`).
    pub group: String,
    /// Rows in the group.
    pub n_rows: usize,
    /// Positive rows in the group.
    pub n_positive: usize,
    /// AUROC within the group.
    pub auroc: Estimate,
    /// Average precision within the group.
    pub auprc: Estimate,
    /// Brier score within the group.
    pub brier: Estimate,
    /// Share of rows flagged at the threshold.
    pub selection_rate: Estimate,
    /// True-positive rate at the threshold.
    pub tpr: Estimate,
    /// False-positive rate at the threshold.
    pub fpr: Estimate,
}

/// Subgroup metrics and the gaps between groups at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupReport {
    /// The decision threshold (flag when p ≥ threshold).
    pub threshold: f64,
    /// One entry per group, sorted by group.
    pub groups: Vec<SubgroupMetrics>,
    /// Largest minus smallest selection rate across groups (fairlearn `demographic_parity_difference`).
    pub demographic_parity_difference: Estimate,
    /// The larger of the TPR and FPR ranges across groups (fairlearn `equalized_odds_difference`).
    pub equalized_odds_difference: Estimate,
}

fn rates(y: &[f64], p: &[f64], rows: &[usize], t: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    let (mut flagged, mut pos, mut neg, mut tp, mut fp) = (0usize, 0usize, 0usize, 0usize, 0usize);
    for &i in rows {
        let f = p[i] >= t;
        flagged += f as usize;
        if y[i] == 1.0 {
            pos += 1;
            tp += f as usize;
        } else {
            neg += 1;
            fp += f as usize;
        }
    }
    let sel = (!rows.is_empty()).then(|| flagged as f64 / rows.len() as f64);
    (sel, (pos > 0).then(|| tp as f64 / pos as f64), (neg > 0).then(|| fp as f64 / neg as f64))
}

fn range(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    if v.len() < 2 {
        return None;
    }
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    Some(max - min)
}

/// Metrics per value of `groups` (one per row) and the demographic-parity and equalized-odds
/// differences at `threshold`. A group with one class has undefined AUROC (`None`), not an error; gaps
/// need at least two groups with the rates defined.
pub fn subgroups(
    y: &[f64],
    p: &[f64],
    subjects: &[i64],
    groups: &[String],
    threshold: f64,
    params: &EvalParams,
) -> Result<SubgroupReport> {
    check(y, p, subjects)?;
    if groups.len() != y.len() {
        return Err(Error::LengthMismatch { what: "groups", a: y.len(), b: groups.len() });
    }
    let names: Vec<String> = groups.iter().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, g)| (g.as_str(), i)).collect();
    let gid: Vec<usize> = groups.iter().map(|g| index[g.as_str()]).collect();
    let clusters = Clusters::new(subjects);
    let k = names.len();
    // Per group: auroc, auprc, brier, selection, tpr, fpr; then the two gaps.
    let est = bootstrap(6 * k + 2, &clusters, params.n_boot, params.seed, params.level, |rows| {
        let mut by: Vec<Vec<usize>> = vec![Vec::new(); k];
        for &i in rows {
            by[gid[i]].push(i);
        }
        let mut out = Vec::with_capacity(6 * k + 2);
        let mut all_rates = Vec::with_capacity(k);
        for r in &by {
            let yb: Vec<f64> = r.iter().map(|&i| y[i]).collect();
            let pb: Vec<f64> = r.iter().map(|&i| p[i]).collect();
            let (sel, tpr, fpr) = rates(y, p, r, threshold);
            out.extend([
                roc_auc(&yb, &pb),
                average_precision(&yb, &pb),
                (!r.is_empty()).then(|| brier(&yb, &pb)),
                sel,
                tpr,
                fpr,
            ]);
            all_rates.push((sel, tpr, fpr));
        }
        let dp = range(all_rates.iter().map(|r| r.0));
        let eo = match (range(all_rates.iter().map(|r| r.1)), range(all_rates.iter().map(|r| r.2))) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        out.push(dp);
        out.push(eo);
        out
    });
    let groups_out = names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| gid[i] == g).collect();
            SubgroupMetrics {
                group: name.clone(),
                n_rows: rows.len(),
                n_positive: rows.iter().filter(|&&i| y[i] == 1.0).count(),
                auroc: est[6 * g],
                auprc: est[6 * g + 1],
                brier: est[6 * g + 2],
                selection_rate: est[6 * g + 3],
                tpr: est[6 * g + 4],
                fpr: est[6 * g + 5],
            }
        })
        .collect();
    Ok(SubgroupReport {
        threshold,
        groups: groups_out,
        demographic_parity_difference: est[6 * k],
        equalized_odds_difference: est[6 * k + 1],
    })
}
