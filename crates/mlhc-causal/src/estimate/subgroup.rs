//! Average effects within subgroups, from cross-fitted doubly robust scores.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::CausalData;
use crate::estimate::{regression, CausalParams, Z95};
use crate::{Error, Result};

/// The average treatment effect within one subgroup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupEffect {
    /// The subgroup's label.
    pub group: String,
    /// Rows in the subgroup.
    pub n: usize,
    /// Treated rows in the subgroup.
    pub n_treated: usize,
    /// Mean of the AIPW scores over the subgroup.
    pub estimate: f64,
    /// `sd(ψ) / sqrt(n)` within the subgroup.
    pub se: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
}

/// The ATE within each level of `groups` (one label per row), in sorted label order: the mean of the
/// cross-fitted AIPW scores `ψᵢ` over the subgroup, with its influence-function interval (the
/// DR-learner's CATE projected on subgroup indicators, as in Semenova & Chernozhukov 2021). The
/// nuisances are fitted once on all rows with `params`' models and folds.
pub fn subgroup_effects(data: &CausalData, params: &CausalParams, groups: &[String]) -> Result<Vec<SubgroupEffect>> {
    params.validate()?;
    if groups.len() != data.n() {
        return Err(Error::ShapeMismatch { what: "subgroup labels", expected: data.n(), got: groups.len() });
    }
    let psi = regression::aipw_scores(data, params, params.seed)?;
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        by.entry(g.as_str()).or_default().push(i);
    }
    Ok(by
        .into_iter()
        .map(|(g, rows)| {
            let n = rows.len() as f64;
            let mean = rows.iter().map(|&i| psi[i]).sum::<f64>() / n;
            let var = if rows.len() > 1 {
                rows.iter().map(|&i| (psi[i] - mean).powi(2)).sum::<f64>() / (n - 1.0)
            } else {
                f64::NAN
            };
            let se = (var / n).sqrt();
            SubgroupEffect {
                group: g.to_string(),
                n: rows.len(),
                n_treated: rows.iter().filter(|&&i| data.treatment[i]).count(),
                estimate: mean,
                se,
                ci_low: mean - Z95 * se,
                ci_high: mean + Z95 * se,
            }
        })
        .collect())
}
