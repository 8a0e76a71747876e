//! The log-rank test of equal survival across k groups, optionally stratified.
//!
//! At each distinct event time with `n` at risk and `d` events, group g contributes
//! `Oₘ − Eₘ = d_g − d·n_g/n` and the hypergeometric covariance
//! `V_gh = d(n − d)/(n − 1) · n_g/n · (δ_gh − n_h/n)`. Summed over times (and over strata, each stratum
//! with its own risk sets), the statistic is `U'V⁻U` on the first k − 1 groups, chi-square with k − 1
//! degrees of freedom — lifelines' `logrank_test` / `multivariate_logrank_test` and R's `survdiff`.

use serde::Serialize;

use crate::data::{check_len, check_survival, encode_labels, order_by_time};
use crate::error::{Error, Result};
use crate::linalg::Cholesky;
use crate::special::chi2_sf;

/// The result of a log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank {
    /// The chi-square statistic.
    pub statistic: f64,
    /// Degrees of freedom (groups − 1).
    pub df: usize,
    /// `P(χ²_df > statistic)`.
    pub p_value: f64,
    /// The group labels, sorted; the vectors below follow this order.
    pub groups: Vec<usize>,
    /// Observed events per group.
    pub observed: Vec<f64>,
    /// Expected events per group under the null.
    pub expected: Vec<f64>,
}

/// Tests equal survival across the groups given by `groups` (any labels, one per row), within strata
/// when `strata` is given.
pub fn logrank_test(durations: &[f64], events: &[bool], groups: &[usize], strata: Option<&[usize]>) -> Result<LogRank> {
    check_survival(durations, events)?;
    check_len("groups", groups.len(), durations.len())?;
    if let Some(s) = strata {
        check_len("strata", s.len(), durations.len())?;
    }
    let (codes, levels) = encode_labels(groups);
    let k = levels.len();
    if k < 2 {
        return Err(Error::TooFewGroups { what: "the log-rank test", needed: 2, got: k });
    }
    let (stratum_codes, n_strata) = match strata {
        Some(s) => {
            let (c, l) = encode_labels(s);
            (c, l.len())
        }
        None => (vec![0; durations.len()], 1),
    };
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut v = vec![0.0; k * k];
    for stratum in 0..n_strata {
        let rows: Vec<usize> = (0..durations.len()).filter(|&i| stratum_codes[i] == stratum).collect();
        let local: Vec<f64> = rows.iter().map(|&i| durations[i]).collect();
        let order: Vec<usize> = order_by_time(&local).into_iter().map(|j| rows[j]).collect();
        // Subjects at risk per group: start with everyone, remove as time passes.
        let mut at_risk = vec![0.0_f64; k];
        for &i in &order {
            at_risk[codes[i]] += 1.0;
        }
        let mut dg = vec![0.0_f64; k];
        let mut removed = vec![0.0_f64; k];
        let mut i = 0;
        while i < order.len() {
            let time = durations[order[i]];
            dg.iter_mut().for_each(|x| *x = 0.0);
            removed.iter_mut().for_each(|x| *x = 0.0);
            let mut j = i;
            while j < order.len() && durations[order[j]] == time {
                let g = codes[order[j]];
                removed[g] += 1.0;
                if events[order[j]] {
                    dg[g] += 1.0;
                }
                j += 1;
            }
            let d: f64 = dg.iter().sum();
            let n: f64 = at_risk.iter().sum();
            if d > 0.0 {
                for g in 0..k {
                    observed[g] += dg[g];
                    expected[g] += d * at_risk[g] / n;
                }
                if n > 1.0 {
                    let c = d * (n - d) / (n - 1.0);
                    for g in 0..k {
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            v[g * k + h] += c * at_risk[g] / n * (delta - at_risk[h] / n);
                        }
                    }
                }
            }
            for g in 0..k {
                at_risk[g] -= removed[g];
            }
            i = j;
        }
    }
    // U'V⁻U on the first k − 1 groups (V has rank k − 1: rows sum to zero).
    let m = k - 1;
    let u: Vec<f64> = (0..m).map(|g| observed[g] - expected[g]).collect();
    let mut vm = vec![0.0; m * m];
    for g in 0..m {
        for h in 0..m {
            vm[g * m + h] = v[g * k + h];
        }
    }
    let statistic = match Cholesky::factor(&vm, m) {
        Ok(c) => u.iter().zip(c.solve(&u)).map(|(a, b)| a * b).sum(),
        // A group with no one at risk at any event time carries no information.
        Err(_) => 0.0,
    };
    Ok(LogRank { statistic, df: m, p_value: chi2_sf(statistic, m as f64), groups: levels, observed, expected })
}
