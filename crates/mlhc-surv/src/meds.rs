//! A survival task from MEDS: time-to-event labels in the MEDS label schema, and sparse `mlhc
//! tabularize` features joined to them.
//!
//! # Extracting a survival task from MEDS
//!
//! ACES task configurations (`mlhc cohort`) produce boolean labels: "did the event happen inside the
//! window". A survival label needs two numbers per prediction time, so [`extract_labels`] defines the
//! task directly on the MEDS events of each subject, using the `subject_id`, `time` and `code` columns
//! (text values are not read):
//!
//! - **Index (prediction time)**: the subject's first timed event whose code matches the index
//!   pattern (one row per subject). Subjects without one get no row ([`LabelSummary::no_index`]).
//! - **Prior event**: a subject with an event-code event at or before the index time is not at risk
//!   and gets no row ([`LabelSummary::prior_event`]).
//! - **Event**: the first event-code event strictly after the index time. If it falls within the
//!   horizon, `boolean_value = true` and `float_value` = days from index to it.
//! - **Censoring**: otherwise `boolean_value = false` and `float_value` = days from index to the
//!   subject's last timed event (the end of observation), capped at the horizon.
//!
//! The label file is in the MEDS label schema (`subject_id`, `prediction_time`, `boolean_value` =
//! event observed, `float_value` = days to the event or to censoring, float32). A code pattern is an
//! exact code or a prefix ending in `*` (`HOSPITAL_ADMISSION//*`).
//!
//! # Features
//!
//! `mlhc tabularize DATA --labels L.parquet -o FEATURES` computes features from events at or before
//! each prediction time. [`join_features`] joins its rows to the label file on `(subject_id,
//! prediction_time)`. Rows that do not join are counted in [`JoinAccount`]; unless the caller asks to
//! drop them, any such row is an error ([`Error::Unjoined`]). A key repeated in the label file is an
//! error.
//!
//! A dense Cox fit costs O(n·p²) per Newton step, so a 30,000-column sparse matrix is not fitted as
//! is: [`ColumnSelection`] keeps columns observed (stored, nonzero) in at least `min_nonzero` joined
//! rows, drops columns that are constant over the joined rows and columns equal row for row to an
//! earlier kept one (a code's `code/count` and `value/count` when every event carries a value), and
//! refuses to go on when more than `max_columns` remain. The selection looks at the features only,
//! never at the labels. An absent entry becomes 0: for count columns that is exact; for value
//! aggregates (`…/value/{sum,min,max}/…`) it mixes "not measured" with a measured 0, so prefer the
//! count columns or a penalized fit when value columns are kept.

use std::collections::HashMap;

use mlhc_core::CsrMatrix;
use mlhc_meds::labels::Labels as MedsLabels;
use mlhc_meds::{Dataset, ReadOptions};
use mlhc_tab::Tabularized;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::table::SurvivalTable;

/// Microseconds per day.
const US_PER_DAY: f64 = 86_400_000_000.0;

/// A code, or a code prefix (written with a trailing `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodePattern {
    /// The code itself.
    Exact(String),
    /// Any code starting with this prefix.
    Prefix(String),
}

impl CodePattern {
    /// `ABC*` is a prefix pattern, anything else an exact code.
    pub fn parse(text: &str) -> Self {
        match text.strip_suffix('*') {
            Some(prefix) => CodePattern::Prefix(prefix.to_string()),
            None => CodePattern::Exact(text.to_string()),
        }
    }

    /// Whether `code` matches.
    pub fn matches(&self, code: &str) -> bool {
        match self {
            CodePattern::Exact(c) => c == code,
            CodePattern::Prefix(p) => code.starts_with(p.as_str()),
        }
    }
}

/// A survival task on MEDS events (see the module documentation for the definition).
#[derive(Debug, Clone)]
pub struct LabelTask {
    /// The index event: the first timed match is the prediction time.
    pub index: CodePattern,
    /// The event of interest.
    pub event: CodePattern,
    /// Administrative censoring, in days after the index. By default (`None`), none.
    pub horizon_days: Option<f64>,
}

/// Counts of what [`extract_labels`] did with every subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LabelSummary {
    /// Subjects read.
    pub subjects: usize,
    /// Label rows written (one per subject with an index event and no prior event).
    pub labels: usize,
    /// Rows with the event observed.
    pub events: usize,
    /// Rows censored at the horizon.
    pub censored_at_horizon: usize,
    /// Rows censored at the subject's last event before the horizon.
    pub censored_at_last_event: usize,
    /// Subjects without a timed index event.
    pub no_index: usize,
    /// Subjects with the event at or before the index time.
    pub prior_event: usize,
}

/// One subject's label, or why it has none.
enum Outcome {
    Label { index: i64, days: f64, event: bool, at_horizon: bool },
    NoIndex,
    Prior,
}

/// Extracts survival labels from a MEDS dataset: one row per eligible subject, sorted by subject.
pub fn extract_labels(ds: &Dataset, task: &LabelTask) -> Result<(MedsLabels, LabelSummary)> {
    if let Some(h) = task.horizon_days {
        if !(h.is_finite() && h > 0.0) {
            return Err(Error::InvalidParam { name: "horizon", message: format!("{h}; expected days > 0") });
        }
    }
    let per_shard = ds.map_shards(&ReadOptions::default(), |_, shard, vocab| {
        // Code ids matching each pattern, computed once per shard vocabulary.
        let is_index: Vec<bool> = vocab.codes().iter().map(|c| task.index.matches(c)).collect();
        let is_event: Vec<bool> = vocab.codes().iter().map(|c| task.event.matches(c)).collect();
        let mut out = Vec::with_capacity(shard.n_subjects());
        for s in shard.subjects() {
            let (times, codes) = (s.times(), s.codes());
            let valid: Vec<usize> =
                s.rows().filter(|&r| shard.time_valid().get(r)).map(|r| r - s.rows().start).collect();
            let index = valid.iter().filter(|&&k| is_index[codes[k] as usize]).map(|&k| times[k]).min();
            let Some(index) = index else {
                out.push((s.id().0, Outcome::NoIndex));
                continue;
            };
            let event_times = valid.iter().filter(|&&k| is_event[codes[k] as usize]).map(|&k| times[k]);
            if event_times.clone().any(|t| t <= index) {
                out.push((s.id().0, Outcome::Prior));
                continue;
            }
            let first_event = event_times.min();
            let last = valid.iter().map(|&k| times[k]).max().unwrap_or(index);
            let (end, mut event) = match first_event {
                Some(t) => (t, true),
                None => (last, false),
            };
            let mut days = (end - index) as f64 / US_PER_DAY;
            let mut at_horizon = false;
            if let Some(h) = task.horizon_days {
                if days > h {
                    days = h;
                    event = false;
                    at_horizon = true;
                }
            }
            out.push((s.id().0, Outcome::Label { index, days, event, at_horizon }));
        }
        Ok(out)
    })?;
    let mut rows: Vec<(i64, Outcome)> = per_shard.into_iter().flatten().collect();
    rows.sort_by_key(|(id, _)| *id);
    let mut summary = LabelSummary { subjects: rows.len(), ..LabelSummary::default() };
    let mut labels = MedsLabels::default();
    for (id, outcome) in rows {
        match outcome {
            Outcome::NoIndex => summary.no_index += 1,
            Outcome::Prior => summary.prior_event += 1,
            Outcome::Label { index, days, event, at_horizon } => {
                summary.labels += 1;
                if event {
                    summary.events += 1;
                } else if at_horizon {
                    summary.censored_at_horizon += 1;
                } else {
                    summary.censored_at_last_event += 1;
                }
                labels.subject_id.push(id);
                labels.prediction_time.push(Some(index));
                labels.boolean_value.push(Some(event));
                labels.float_value.push(Some(days as f32));
            }
        }
    }
    Ok((labels, summary))
}

/// Survival labels keyed by `(subject_id, prediction_time)`, from a MEDS label file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurvivalLabels {
    /// Subject of each row.
    pub subject_id: Vec<i64>,
    /// Prediction time of each row (µs since the epoch).
    pub prediction_time: Vec<i64>,
    /// Days to the event or to censoring (`float_value`).
    pub durations: Vec<f64>,
    /// Event observed (`boolean_value`).
    pub events: Vec<bool>,
}

impl SurvivalLabels {
    /// Reads `float_value` as the duration and `boolean_value` as the event flag; a row with either
    /// (or the prediction time) null is an error naming the row.
    pub fn from_meds(labels: &MedsLabels) -> Result<Self> {
        let mut out = SurvivalLabels::default();
        for i in 0..labels.len() {
            let bad = |what: &str| Error::InvalidParam {
                name: "labels",
                message: format!(
                    "row {i} (subject {}) has no {what}; survival labels need prediction_time, float_value \
                     (days to event or censoring) and boolean_value (event observed)",
                    labels.subject_id[i]
                ),
            };
            let time = labels.prediction_time[i].ok_or_else(|| bad("prediction_time"))?;
            let d = labels.float_value.get(i).copied().flatten().ok_or_else(|| bad("float_value"))?;
            let e = labels.boolean_value.get(i).copied().flatten().ok_or_else(|| bad("boolean_value"))?;
            out.subject_id.push(labels.subject_id[i]);
            out.prediction_time.push(time);
            out.durations.push(f64::from(d));
            out.events.push(e);
        }
        Ok(out)
    }
}

/// How sparse feature columns become dense covariates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSelection {
    /// Keep a column stored (nonzero) in at least this many joined rows. By default, 10.
    pub min_nonzero: usize,
    /// Fail when more columns than this remain. By default, 200.
    pub max_columns: usize,
}

impl Default for ColumnSelection {
    fn default() -> Self {
        Self { min_nonzero: 10, max_columns: 200 }
    }
}

/// The join's bookkeeping: every feature and label row is joined or counted here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JoinAccount {
    /// Feature rows in the used splits.
    pub feature_rows: usize,
    /// Label rows.
    pub label_rows: usize,
    /// Rows joined (the rows of the table).
    pub joined: usize,
    /// Feature rows (used splits) without a label.
    pub features_without_label: usize,
    /// Label rows whose key is in a feature split that was not used.
    pub labels_in_other_splits: usize,
    /// Label rows whose key is in no feature split.
    pub labels_without_features: usize,
    /// Feature columns in the tabularization.
    pub columns_total: usize,
    /// Columns dropped as stored in fewer than `min_nonzero` joined rows.
    pub columns_rare: usize,
    /// Columns dropped as constant over the joined rows.
    pub columns_constant: usize,
    /// Columns dropped as equal to an earlier kept column.
    pub columns_duplicate: usize,
    /// Columns kept as covariates.
    pub columns_kept: usize,
}

/// The joined table and where each row came from.
#[derive(Debug, Clone)]
pub struct JoinedFeatures {
    /// Durations, events and the selected covariates (named as in `feature_space.json`).
    pub table: SurvivalTable,
    /// The feature split of each row.
    pub splits: Vec<String>,
    /// Subject of each row.
    pub subject_id: Vec<i64>,
    /// The bookkeeping.
    pub account: JoinAccount,
}

/// Joined rows as (split index, row in split, label row), with the bookkeeping of the join.
type JoinedRows = (Vec<(usize, usize, usize)>, JoinAccount);

fn join_rows(
    tab: &Tabularized,
    labels: &SurvivalLabels,
    use_splits: &[String],
    drop_unjoined: bool,
) -> Result<JoinedRows> {
    for s in use_splits {
        if !tab.splits.iter().any(|f| &f.split == s) {
            let have: Vec<&str> = tab.splits.iter().map(|f| f.split.as_str()).collect();
            return Err(Error::InvalidParam {
                name: "split",
                message: format!("no feature split {s:?}; the features have [{}]", have.join(", ")),
            });
        }
    }
    let mut by_key: HashMap<(i64, i64), usize> = HashMap::with_capacity(labels.subject_id.len());
    for i in 0..labels.subject_id.len() {
        let key = (labels.subject_id[i], labels.prediction_time[i]);
        if by_key.insert(key, i).is_some() {
            return Err(Error::InvalidParam {
                name: "labels",
                message: format!("subject {} has two labels at prediction time {} µs", key.0, key.1),
            });
        }
    }
    let mut account = JoinAccount {
        label_rows: labels.subject_id.len(),
        columns_total: tab.space.names.len(),
        ..JoinAccount::default()
    };
    let mut label_used = vec![false; labels.subject_id.len()];
    let mut label_elsewhere = vec![false; labels.subject_id.len()];
    // (split index, row in split, label row)
    let mut joined: Vec<(usize, usize, usize)> = Vec::new();
    for (si, split) in tab.splits.iter().enumerate() {
        let used = use_splits.is_empty() || use_splits.contains(&split.split);
        for (r, row) in split.rows.iter().enumerate() {
            let hit = by_key.get(&(row.subject_id, row.prediction_time)).copied();
            match (used, hit) {
                (true, Some(l)) => {
                    account.feature_rows += 1;
                    label_used[l] = true;
                    joined.push((si, r, l));
                }
                (true, None) => {
                    account.feature_rows += 1;
                    account.features_without_label += 1;
                }
                (false, Some(l)) => label_elsewhere[l] = true,
                (false, None) => {}
            }
        }
    }
    account.joined = joined.len();
    for l in 0..label_used.len() {
        if !label_used[l] {
            if label_elsewhere[l] {
                account.labels_in_other_splits += 1;
            } else {
                account.labels_without_features += 1;
            }
        }
    }
    if !drop_unjoined && (account.features_without_label > 0 || account.labels_without_features > 0) {
        return Err(Error::Unjoined {
            features_without_label: account.features_without_label,
            labels_without_features: account.labels_without_features,
        });
    }
    if joined.is_empty() {
        return Err(Error::Empty);
    }
    Ok((joined, account))
}

/// The columns stored (nonzero) in at least `min_nonzero` joined rows and not constant; the others
/// are counted in `account`.
fn screen_columns(
    tab: &Tabularized,
    joined: &[(usize, usize, usize)],
    min_nonzero: usize,
    account: &mut JoinAccount,
) -> Vec<usize> {
    // Column statistics over the joined rows: stored count, and whether the column is constant
    // (absent entries are 0).
    let p = tab.space.names.len();
    let n = joined.len();
    let min_nonzero = min_nonzero.max(1);
    let mut stored = vec![0usize; p];
    let mut first = vec![f64::NAN; p];
    let mut varies = vec![false; p];
    for &(si, r, _) in joined {
        let (idx, val) = tab.splits[si].matrix.row(r);
        for (&j, &v) in idx.iter().zip(val) {
            let (j, v) = (j as usize, f64::from(v));
            if v != 0.0 {
                stored[j] += 1;
            }
            if first[j].is_nan() {
                first[j] = v;
            } else if first[j] != v {
                varies[j] = true;
            }
        }
    }
    let mut candidates = Vec::new();
    for j in 0..p {
        if stored[j] < min_nonzero {
            account.columns_rare += 1;
        } else if !varies[j] && stored[j] == n {
            // Stored in every row with one value: constant. (Stored in some rows only, it differs
            // from the implicit zeros.)
            account.columns_constant += 1;
        } else if !varies[j] && first[j] == 0.0 {
            account.columns_constant += 1;
        } else {
            candidates.push(j);
        }
    }
    candidates
}

/// Joins tabularized features (the splits named in `use_splits`, or all when empty) with survival
/// labels on `(subject_id, prediction_time)` and selects covariate columns. With `drop_unjoined`
/// false, any row that does not join is an error; with it true, such rows are dropped and counted.
pub fn join_features(
    tab: &Tabularized,
    labels: &SurvivalLabels,
    use_splits: &[String],
    selection: &ColumnSelection,
    drop_unjoined: bool,
) -> Result<JoinedFeatures> {
    let (joined, mut account) = join_rows(tab, labels, use_splits, drop_unjoined)?;
    let candidates = screen_columns(tab, &joined, selection.min_nonzero, &mut account);
    let n = joined.len();
    // Dense candidate columns, then exact duplicates removed.
    let position: HashMap<usize, usize> = candidates.iter().enumerate().map(|(k, &j)| (j, k)).collect();
    let mut columns = vec![vec![0.0f64; n]; candidates.len()];
    for (i, &(si, r, _)) in joined.iter().enumerate() {
        let (idx, val) = tab.splits[si].matrix.row(r);
        for (&j, &v) in idx.iter().zip(val) {
            if let Some(&k) = position.get(&(j as usize)) {
                columns[k][i] = f64::from(v);
            }
        }
    }
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let mut kept: Vec<usize> = Vec::new();
    for (k, col) in columns.iter().enumerate() {
        if seen.insert(col.iter().map(|v| v.to_bits()).collect()) {
            kept.push(k);
        } else {
            account.columns_duplicate += 1;
        }
    }
    account.columns_kept = kept.len();
    if kept.len() > selection.max_columns {
        return Err(Error::InvalidParam {
            name: "columns",
            message: format!(
                "{} feature columns remain after dropping those stored in fewer than {} rows; a dense Cox fit \
                 costs O(n·p²) per step: raise min_nonzero or max_columns",
                kept.len(),
                selection.min_nonzero
            ),
        });
    }
    let names: Vec<String> = kept.iter().map(|&k| tab.space.names[candidates[k]].clone()).collect();
    let mut x = Vec::with_capacity(n * kept.len());
    for i in 0..n {
        x.extend(kept.iter().map(|&k| columns[k][i]));
    }
    let table = SurvivalTable {
        durations: joined.iter().map(|&(_, _, l)| labels.durations[l]).collect(),
        events: joined.iter().map(|&(_, _, l)| labels.events[l]).collect(),
        names,
        x,
        group: None,
        strata: None,
        weights: None,
        clusters: None,
        entries: None,
        n_dropped: 0,
    };
    Ok(JoinedFeatures {
        splits: joined.iter().map(|&(si, _, _)| tab.splits[si].split.clone()).collect(),
        subject_id: joined.iter().map(|&(_, _, l)| labels.subject_id[l]).collect(),
        table,
        account,
    })
}

/// Tabularized features joined with survival labels, with the covariates kept sparse.
#[derive(Debug, Clone)]
pub struct SparseJoinedFeatures {
    /// The selected covariates, one row per joined label, columns named by [`SparseJoinedFeatures::names`].
    pub x: CsrMatrix,
    /// Covariate names (as in `feature_space.json`).
    pub names: Vec<String>,
    /// Time to event or censoring per row (days).
    pub durations: Vec<f64>,
    /// Whether the event was observed, per row.
    pub events: Vec<bool>,
    /// The feature split of each row.
    pub splits: Vec<String>,
    /// Subject of each row.
    pub subject_id: Vec<i64>,
    /// The bookkeeping (`columns_duplicate` stays 0: duplicates are not searched for, and a penalized
    /// fit shares their weight).
    pub account: JoinAccount,
}

/// Joins as [`join_features`] but keeps the selected columns (stored in at least `min_nonzero` joined
/// rows, not constant) sparse and sets no column limit: the design for [`crate::coxnet`], whose cost
/// per sweep is the number of stored entries.
pub fn join_features_sparse(
    tab: &Tabularized,
    labels: &SurvivalLabels,
    use_splits: &[String],
    min_nonzero: usize,
    drop_unjoined: bool,
) -> Result<SparseJoinedFeatures> {
    let (joined, mut account) = join_rows(tab, labels, use_splits, drop_unjoined)?;
    let candidates = screen_columns(tab, &joined, min_nonzero, &mut account);
    account.columns_kept = candidates.len();
    let mut position = vec![u32::MAX; tab.space.names.len()];
    for (k, &j) in candidates.iter().enumerate() {
        position[j] = k as u32;
    }
    let mut x = CsrMatrix::new(candidates.len());
    let mut entries = Vec::new();
    for &(si, r, _) in &joined {
        let (idx, val) = tab.splits[si].matrix.row(r);
        entries.clear();
        entries.extend(
            idx.iter()
                .zip(val)
                .filter(|(&j, _)| position[j as usize] != u32::MAX)
                .map(|(&j, &v)| (position[j as usize], v)),
        );
        x.push_row(&entries);
    }
    Ok(SparseJoinedFeatures {
        x,
        names: candidates.iter().map(|&j| tab.space.names[j].clone()).collect(),
        durations: joined.iter().map(|&(_, _, l)| labels.durations[l]).collect(),
        events: joined.iter().map(|&(_, _, l)| labels.events[l]).collect(),
        splits: joined.iter().map(|&(si, _, _)| tab.splits[si].split.clone()).collect(),
        subject_id: joined.iter().map(|&(_, _, l)| labels.subject_id[l]).collect(),
        account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlhc_core::CsrMatrix;
    use mlhc_tab::{PredictionRow, SplitFeatures};

    /// Five subjects with hand-computed labels (times in days; horizon 10 days).
    #[test]
    fn labels_by_hand() {
        use mlhc_meds::{DatasetWriter, Event, ShardBuilder};
        let day = 86_400_000_000i64;
        let mut b = ShardBuilder::new("train/0");
        let mut ev = |s: i64, t: Option<i64>, code: &str| {
            b.push(Event { subject_id: s, time: t.map(|d| d * day), code, numeric_value: None, text_value: None })
        };
        // 1: admitted day 2 (and again day 5), dies day 6 → event after 4 days.
        ev(1, None, "GENDER//F");
        ev(1, Some(2), "ADMIT//ER");
        ev(1, Some(5), "ADMIT//ER");
        ev(1, Some(6), "DEATH");
        // 2: admitted day 1, last seen day 4 → censored after 3 days.
        ev(2, Some(1), "ADMIT//ELECTIVE");
        ev(2, Some(4), "LAB");
        // 3: admitted day 0, dies day 30 → censored at the 10-day horizon.
        ev(3, Some(0), "ADMIT//ER");
        ev(3, Some(30), "DEATH");
        // 4: never admitted.
        ev(4, Some(3), "LAB");
        // 5: the event at the index time: not at risk.
        ev(5, Some(7), "ADMIT//ER");
        ev(5, Some(7), "DEATH");
        let (shard, vocab, _) = b.finish(false);
        let dir = tempfile::tempdir().unwrap();
        DatasetWriter::create(dir.path()).unwrap().write_shard("train/0", &shard, &vocab).unwrap();
        let ds = Dataset::open(dir.path()).unwrap();
        let task = LabelTask {
            index: CodePattern::parse("ADMIT//*"),
            event: CodePattern::parse("DEATH"),
            horizon_days: Some(10.0),
        };
        let (labels, summary) = extract_labels(&ds, &task).unwrap();
        assert_eq!(labels.subject_id, vec![1, 2, 3]);
        assert_eq!(labels.prediction_time, vec![Some(2 * day), Some(day), Some(0)]);
        assert_eq!(labels.float_value, vec![Some(4.0), Some(3.0), Some(10.0)]);
        assert_eq!(labels.boolean_value, vec![Some(true), Some(false), Some(false)]);
        let expected = LabelSummary {
            subjects: 5,
            labels: 3,
            events: 1,
            censored_at_horizon: 1,
            censored_at_last_event: 1,
            no_index: 1,
            prior_event: 1,
        };
        assert_eq!(summary, expected);
        let surv = SurvivalLabels::from_meds(&labels).unwrap();
        assert_eq!(surv.durations, vec![4.0, 3.0, 10.0]);
        let mut broken = labels.clone();
        broken.float_value[1] = None;
        let err = SurvivalLabels::from_meds(&broken).unwrap_err();
        assert!(err.to_string().contains("row 1 (subject 2) has no float_value"), "{err}");
    }

    #[test]
    fn patterns() {
        assert!(CodePattern::parse("A//*").matches("A//x"));
        assert!(!CodePattern::parse("A//*").matches("B"));
        assert!(CodePattern::parse("MEDS_DEATH").matches("MEDS_DEATH"));
        assert!(!CodePattern::parse("MEDS_DEATH").matches("MEDS_DEATH//x"));
    }

    fn tab(rows: &[(i64, i64)], entries: &[Vec<(u32, f32)>], names: &[&str]) -> Tabularized {
        let mut m = CsrMatrix::new(names.len());
        for e in entries {
            m.push_row(e);
        }
        let rows =
            rows.iter().map(|&(s, t)| PredictionRow { subject_id: s, prediction_time: t, label: None }).collect();
        let space = mlhc_tab::FeatureSpace {
            params: mlhc_tab::TabParams::default(),
            codes: Vec::new(),
            names: names.iter().map(|s| s.to_string()).collect(),
        };
        Tabularized {
            space,
            splits: vec![SplitFeatures { split: "train".into(), rows, matrix: m }],
            summary: Default::default(),
        }
    }

    /// Four feature rows (subjects 1-4) and four labels (subjects 1, 2, 3, 5): three join. Column
    /// "const" is 1 in every row; "a2" equals "a" on the joined rows but not on row 4.
    fn join_fixture() -> (Tabularized, SurvivalLabels) {
        let t = tab(
            &[(1, 10), (2, 20), (3, 30), (4, 40)],
            &[
                vec![(0, 1.0), (1, 1.0), (2, 5.0), (3, 1.0)],
                vec![(0, 1.0), (2, 6.0)],
                vec![(0, 1.0), (1, 2.0), (2, 5.0), (3, 2.0)],
                vec![(0, 1.0), (3, 0.0)],
            ],
            &["const", "a", "b", "a2"],
        );
        let labels = SurvivalLabels {
            subject_id: vec![1, 2, 3, 5],
            prediction_time: vec![10, 20, 30, 50],
            durations: vec![1.0, 2.0, 3.0, 4.0],
            events: vec![true, false, true, true],
        };
        (t, labels)
    }

    #[test]
    fn join_counts_and_selects() {
        let (t, labels) = join_fixture();
        let sel = ColumnSelection { min_nonzero: 1, max_columns: 10 };
        let err = join_features(&t, &labels, &[], &sel, false).unwrap_err();
        assert!(err.to_string().starts_with("1 feature rows have no survival label and 1 survival labels"), "{err}");
        let j = join_features(&t, &labels, &[], &sel, true).unwrap();
        assert_eq!(j.account.joined, 3);
        assert_eq!((j.account.features_without_label, j.account.labels_without_features), (1, 1));
        // "const" is 1 in every joined row; "a2" equals "a" on the joined rows.
        assert_eq!(j.table.names, vec!["a", "b"]);
        assert_eq!((j.account.columns_constant, j.account.columns_duplicate, j.account.columns_kept), (1, 1, 2));
        assert_eq!(j.table.x, vec![1.0, 5.0, 0.0, 6.0, 2.0, 5.0]);
        assert_eq!(j.table.durations, vec![1.0, 2.0, 3.0]);
        let strict = ColumnSelection { min_nonzero: 3, max_columns: 10 };
        let j = join_features(&t, &labels, &[], &strict, true).unwrap();
        assert_eq!(j.table.names, vec!["b"]);
        assert_eq!((j.account.columns_rare, j.account.columns_constant), (2, 1));
        let err = join_features(&t, &labels, &["held_out".into()], &sel, true).unwrap_err();
        assert!(err.to_string().contains("no feature split \"held_out\""), "{err}");
    }

    #[test]
    fn sparse_join_keeps_entries_sparse_and_duplicates() {
        let (t, labels) = join_fixture();
        assert!(join_features_sparse(&t, &labels, &[], 1, false).is_err());
        let j = join_features_sparse(&t, &labels, &[], 1, true).unwrap();
        assert_eq!(j.names, vec!["a", "b", "a2"]);
        assert_eq!((j.account.columns_constant, j.account.columns_duplicate, j.account.columns_kept), (1, 0, 3));
        assert_eq!(j.x.n_rows(), 3);
        assert_eq!(j.x.row(0), (&[0u32, 1, 2][..], &[1.0f32, 5.0, 1.0][..]));
        assert_eq!(j.x.row(1), (&[1u32][..], &[6.0f32][..]));
        assert_eq!((j.durations, j.events), (vec![1.0, 2.0, 3.0], vec![true, false, true]));
        assert_eq!(j.subject_id, vec![1, 2, 3]);
    }
}
