//! A causal task from MEDS: sparse `mlhc tabularize` features joined with a treatment label and an
//! outcome label.
//!
//! # Extracting a causal task from MEDS
//!
//! 1. Define the treatment and the outcome as two MEDS label files with the same prediction times,
//!    e.g. two ACES task configurations with the same trigger and the same `index_timestamp`
//!    (`mlhc cohort --config treatment.yaml DATA -o T.parquet`, likewise for `Y.parquet`). The
//!    treatment label must be binary (`boolean_value`, or an integer/float 0/1); the outcome is
//!    `boolean_value` (as 0/1) or a numeric value. The treatment must be decided at or before the
//!    prediction time, and the outcome after it.
//! 2. Tabularize the covariates at those prediction times (`mlhc tabularize DATA --labels T.parquet
//!    -o FEATURES`): only events at or before the prediction time enter, so the covariates precede
//!    the treatment decision window's end and never see the outcome.
//! 3. [`from_sparse`] joins the feature rows with both label files on `(subject_id,
//!    prediction_time)`. A key present on one side and absent on another is counted in
//!    [`JoinAccount`]; under [`JoinPolicy::Strict`] any such row is an error ([`Error::Unjoined`])
//!    and under [`JoinPolicy::Inner`] those rows are dropped and counted. A key that appears twice in
//!    one input is an error.
//!
//! # Absent features
//!
//! In the tabularized matrix an absent entry means "not observed in the window". For count-like
//! columns (`…/code/count/…`, `…/value/count/…`, `…/static/present`) that is exactly zero, and the
//! covariate is 0. For value aggregates (`…/value/{sum,sum_sqd,min,max}/…`, `…/static/first`) zero
//! would be a made-up measurement, so the covariate is 0 **and** an indicator column
//! `{code}/value/absent/{window}` (or `{code}/static/absent`) is added, 1 where the group was not
//! observed: a linear model then fits a separate level for "not measured" instead of treating it as
//! a measured 0, and a tree can split on the indicator as it would on a missing value. Columns that
//! are constant over the joined rows (including all-absent ones) carry no information, and a column
//! equal row for row to an earlier one (`…/code/count/…` and `…/value/count/…` of a code whose every
//! event carries a value) would make a linear model singular: both are dropped and counted.

use std::collections::HashMap;

use mlhc_core::CsrMatrix;
use mlhc_frame::Design;
use serde::Serialize;

use crate::{CausalData, Error, Result};

/// One label file's keys and values: `value[i]` belongs to `(subject_id[i], prediction_time[i])`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyedValues {
    /// Subject of each row.
    pub subject_id: Vec<i64>,
    /// Prediction time of each row (µs since the epoch).
    pub prediction_time: Vec<i64>,
    /// The label (booleans as 0/1); `None` when the row has no value.
    pub value: Vec<Option<f64>>,
}

/// What to do with rows whose key is not in all three inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinPolicy {
    /// Any row that does not join is an error (the default: nothing is dropped silently).
    Strict,
    /// Rows that do not join are dropped and counted.
    Inner,
}

/// The join's bookkeeping: every row of every input is either joined or counted here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JoinAccount {
    /// Feature rows given.
    pub feature_rows: usize,
    /// Treatment label rows given.
    pub treatment_rows: usize,
    /// Outcome label rows given.
    pub outcome_rows: usize,
    /// Rows present in all three (before dropping missing outcomes).
    pub joined: usize,
    /// Feature rows without a treatment label.
    pub features_without_treatment: usize,
    /// Feature rows without an outcome label.
    pub features_without_outcome: usize,
    /// Treatment label rows without a feature row.
    pub treatment_without_features: usize,
    /// Outcome label rows without a feature row.
    pub outcome_without_features: usize,
    /// Label rows (treatment and outcome together) left out before the join because their feature row
    /// is in a split that was not selected; set by the caller that selects splits (0 from
    /// [`from_sparse`]).
    pub labels_in_other_splits: usize,
    /// Joined rows dropped for a missing outcome value.
    pub dropped_missing_outcome: usize,
    /// Covariate columns dropped as constant over the joined rows.
    pub constant_columns_dropped: usize,
    /// Covariate columns dropped as equal, row for row, to an earlier column (e.g. `…/code/count/…` and
    /// `…/value/count/…` of a code whose every event carries a value).
    pub duplicate_columns_dropped: usize,
    /// Indicator columns kept for unobserved value aggregates.
    pub indicator_columns: usize,
}

impl JoinAccount {
    fn unjoined(&self) -> usize {
        self.features_without_treatment
            + self.features_without_outcome
            + self.treatment_without_features
            + self.outcome_without_features
    }
}

/// The joined task.
#[derive(Debug, Clone)]
pub struct SparseTask {
    /// Covariates, treatment and outcome.
    pub data: CausalData,
    /// For each row of `data`, its feature row (0-based).
    pub feature_rows: Vec<usize>,
    /// For each row of `data`, its `(subject_id, prediction_time)`.
    pub keys: Vec<(i64, i64)>,
    /// The join's counts.
    pub account: JoinAccount,
}

fn index(v: &KeyedValues, what: &'static str) -> Result<HashMap<(i64, i64), usize>> {
    let n = v.subject_id.len();
    if v.prediction_time.len() != n || v.value.len() != n {
        return Err(Error::ShapeMismatch { what, expected: n, got: v.prediction_time.len().min(v.value.len()) });
    }
    let mut map = HashMap::with_capacity(n);
    for i in 0..n {
        let key = (v.subject_id[i], v.prediction_time[i]);
        if map.insert(key, i).is_some() {
            return Err(Error::Unjoined {
                message: format!(
                    "{what} has two rows for subject {} at prediction time {}; one label per (subject_id, prediction_time) is required",
                    key.0, key.1
                ),
            });
        }
    }
    Ok(map)
}

/// The indicator group of a value-aggregate column, or `None` for count-like columns.
fn absent_group(name: &str) -> Option<String> {
    if let Some(code) = name.strip_suffix("/static/first") {
        return Some(format!("{code}/static/absent"));
    }
    for agg in ["sum", "sum_sqd", "min", "max"] {
        let mid = format!("/value/{agg}/");
        if let Some(pos) = name.rfind(&mid) {
            let window = &name[pos + mid.len()..];
            return Some(format!("{}/value/absent/{window}", &name[..pos]));
        }
    }
    None
}

/// Joins sparse features (`matrix`, one row per `keys` entry, columns `names`) with a treatment and an
/// outcome label on `(subject_id, prediction_time)`; see the [module docs](self) for the join and the
/// treatment of absent entries. A missing outcome value is [`Error::MissingOutcome`] (row = feature
/// row) unless `drop_missing_outcome`; a treatment value other than 0/1 is [`Error::BadTreatment`].
pub fn from_sparse(
    matrix: &CsrMatrix,
    names: &[String],
    keys: &[(i64, i64)],
    treatment: &KeyedValues,
    outcome: &KeyedValues,
    policy: JoinPolicy,
    drop_missing_outcome: bool,
) -> Result<SparseTask> {
    if matrix.n_rows() != keys.len() {
        return Err(Error::ShapeMismatch { what: "feature keys", expected: matrix.n_rows(), got: keys.len() });
    }
    if matrix.n_cols() != names.len() {
        return Err(Error::ShapeMismatch { what: "feature names", expected: matrix.n_cols(), got: names.len() });
    }
    let t_idx = index(treatment, "treatment labels")?;
    let y_idx = index(outcome, "outcome labels")?;
    let mut f_idx = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if f_idx.insert(*k, i).is_some() {
            return Err(Error::Unjoined {
                message: format!("the features have two rows for subject {} at prediction time {}", k.0, k.1),
            });
        }
    }
    let mut acc = JoinAccount {
        feature_rows: keys.len(),
        treatment_rows: t_idx.len(),
        outcome_rows: y_idx.len(),
        ..JoinAccount::default()
    };
    acc.treatment_without_features = t_idx.keys().filter(|k| !f_idx.contains_key(k)).count();
    acc.outcome_without_features = y_idx.keys().filter(|k| !f_idx.contains_key(k)).count();
    let mut joined = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let (t, y) = (t_idx.get(k), y_idx.get(k));
        acc.features_without_treatment += usize::from(t.is_none());
        acc.features_without_outcome += usize::from(y.is_none());
        if let (Some(&t), Some(&y)) = (t, y) {
            joined.push((i, t, y));
        }
    }
    acc.joined = joined.len();
    if policy == JoinPolicy::Strict && acc.unjoined() > 0 {
        return Err(Error::Unjoined {
            message: format!(
                "{} feature rows have no treatment label, {} no outcome label; {} treatment and {} outcome labels have \
                 no feature row (join on subject_id, prediction_time); tabularize at the labels' prediction times, or \
                 drop these rows explicitly (inner join)",
                acc.features_without_treatment,
                acc.features_without_outcome,
                acc.treatment_without_features,
                acc.outcome_without_features
            ),
        });
    }
    let mut rows = Vec::with_capacity(joined.len());
    let mut tr = Vec::with_capacity(joined.len());
    let mut yv = Vec::with_capacity(joined.len());
    for &(i, t, y) in &joined {
        let tv = match treatment.value[t] {
            Some(0.0) => false,
            Some(1.0) => true,
            other => {
                return Err(Error::BadTreatment {
                    column: "treatment label".into(),
                    row: t,
                    value: other.map_or_else(|| "missing".to_string(), |v| v.to_string()),
                })
            }
        };
        match outcome.value[y] {
            Some(v) => {
                rows.push(i);
                tr.push(tv);
                yv.push(v);
            }
            None if drop_missing_outcome => acc.dropped_missing_outcome += 1,
            None => return Err(Error::MissingOutcome { column: "outcome label".into(), row: y }),
        }
    }
    // Columns: every feature column, then one indicator per value-aggregate group.
    let p = names.len();
    let mut groups: Vec<String> = Vec::new();
    let mut group_of: Vec<Option<usize>> = Vec::with_capacity(p);
    let mut group_idx: HashMap<String, usize> = HashMap::new();
    for name in names {
        group_of.push(absent_group(name).map(|g| {
            *group_idx.entry(g.clone()).or_insert_with(|| {
                groups.push(g);
                groups.len() - 1
            })
        }));
    }
    let q = p + groups.len();
    let n = rows.len();
    let mut dense = vec![0.0; n * q];
    for (r, &i) in rows.iter().enumerate() {
        let out = &mut dense[r * q..(r + 1) * q];
        for g in 0..groups.len() {
            out[p + g] = 1.0;
        }
        let (idx, val) = matrix.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let j = j as usize;
            out[j] = f64::from(v);
            if let Some(g) = group_of[j] {
                out[p + g] = 0.0;
            }
        }
    }
    let all_names: Vec<String> = names.iter().cloned().chain(groups.iter().cloned()).collect();
    let varying: Vec<usize> = (0..q).filter(|&j| n > 0 && (1..n).any(|r| dense[r * q + j] != dense[j])).collect();
    acc.constant_columns_dropped = q - varying.len();
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let mut keep = Vec::with_capacity(varying.len());
    for &j in &varying {
        if seen.insert((0..n).map(|r| dense[r * q + j].to_bits()).collect()) {
            keep.push(j);
        }
    }
    acc.duplicate_columns_dropped = varying.len() - keep.len();
    acc.indicator_columns = keep.iter().filter(|&&j| j >= p).count();
    let mut values = Vec::with_capacity(n * keep.len());
    for r in 0..n {
        values.extend(keep.iter().map(|&j| dense[r * q + j]));
    }
    let x =
        Design { names: keep.iter().map(|&j| all_names[j].clone()).collect(), n_rows: n, n_cols: keep.len(), values };
    let data = CausalData::new(x, tr, yv)?;
    let keys = rows.iter().map(|&i| keys[i]).collect();
    Ok(SparseTask { data, feature_rows: rows, keys, account: acc })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(rows: &[(i64, i64, Option<f64>)]) -> KeyedValues {
        KeyedValues {
            subject_id: rows.iter().map(|r| r.0).collect(),
            prediction_time: rows.iter().map(|r| r.1).collect(),
            value: rows.iter().map(|r| r.2).collect(),
        }
    }

    fn features() -> (CsrMatrix, Vec<String>, Vec<(i64, i64)>) {
        // Columns: a count, a value minimum, a constant-zero count, a copy of the first column.
        let names: Vec<String> =
            ["A/code/count/full", "LAB/value/min/7d", "Z/code/count/1d", "A/value/count/full"].map(String::from).into();
        // Rows: (1,10) count 2, min 5; (2,10) count 1, no value; (3,10) nothing; (4,10) count 3, min 0.
        let m = CsrMatrix::from_parts(
            4,
            vec![0, 3, 5, 5, 8],
            vec![0, 1, 3, 0, 3, 0, 1, 3],
            vec![2.0, 5.0, 2.0, 1.0, 1.0, 3.0, 0.0, 3.0],
        )
        .unwrap();
        (m, names, vec![(1, 10), (2, 10), (3, 10), (4, 10)])
    }

    #[test]
    fn absent_values_get_an_indicator_and_counts_are_zero() {
        let (m, names, keys) = features();
        let t = kv(&[(1, 10, Some(1.0)), (2, 10, Some(0.0)), (3, 10, Some(1.0)), (4, 10, Some(0.0))]);
        let y = kv(&[(4, 10, Some(4.0)), (3, 10, Some(3.0)), (2, 10, Some(2.0)), (1, 10, Some(1.0))]);
        let task = from_sparse(&m, &names, &keys, &t, &y, JoinPolicy::Strict, false).unwrap();
        assert_eq!(task.data.x.names, vec!["A/code/count/full", "LAB/value/min/7d", "LAB/value/absent/7d"]);
        // An observed 0 (row 4) differs from an unobserved value (rows 2, 3) through the indicator.
        assert_eq!(task.data.x.values, vec![2.0, 5.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 3.0, 0.0, 0.0]);
        assert_eq!(task.data.outcome, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(task.data.treatment, vec![true, false, true, false]);
        assert_eq!(task.account.constant_columns_dropped, 1);
        assert_eq!(task.account.duplicate_columns_dropped, 1);
        assert_eq!(task.account.indicator_columns, 1);
        assert_eq!(absent_group("X/static/first").as_deref(), Some("X/static/absent"));
        assert_eq!(absent_group("X/value/count/1d"), None);
    }

    #[test]
    fn rows_that_do_not_join_are_counted_and_an_error_unless_dropped() {
        let (m, names, keys) = features();
        let t =
            kv(&[(1, 10, Some(1.0)), (2, 10, Some(0.0)), (3, 10, Some(1.0)), (4, 10, Some(0.0)), (9, 1, Some(1.0))]);
        let y = kv(&[(1, 10, Some(1.0)), (2, 10, Some(2.0)), (3, 11, Some(3.0)), (4, 10, Some(4.0))]);
        let err = from_sparse(&m, &names, &keys, &t, &y, JoinPolicy::Strict, false).unwrap_err().to_string();
        assert!(err.contains("1 no outcome label") && err.contains("1 treatment and 1 outcome labels"), "{err}");
        let task = from_sparse(&m, &names, &keys, &t, &y, JoinPolicy::Inner, false).unwrap();
        assert_eq!(task.keys, vec![(1, 10), (2, 10), (4, 10)]);
        let a = &task.account;
        assert_eq!(
            (a.joined, a.features_without_treatment, a.features_without_outcome, a.treatment_without_features),
            (3, 0, 1, 1)
        );
        assert_eq!(a.outcome_without_features, 1);
        let dup = kv(&[(1, 10, Some(1.0)), (1, 10, Some(0.0))]);
        assert!(from_sparse(&m, &names, &keys, &dup, &y, JoinPolicy::Inner, false).is_err());
        let missing = kv(&[(1, 10, None), (2, 10, Some(2.0)), (3, 10, Some(3.0)), (4, 10, Some(4.0))]);
        assert!(matches!(
            from_sparse(&m, &names, &keys, &t, &missing, JoinPolicy::Inner, false),
            Err(Error::MissingOutcome { row: 0, .. })
        ));
        let task = from_sparse(&m, &names, &keys, &t, &missing, JoinPolicy::Inner, true).unwrap();
        assert_eq!(task.account.dropped_missing_outcome, 1);
        assert_eq!(task.data.n(), 3);
    }
}
