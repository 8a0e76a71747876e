//! The driver: train-split code statistics, then one pass per shard computing every row.

use std::collections::{BTreeMap, HashMap};

use mlhc_core::CsrMatrix;
use mlhc_meds::{Dataset, ReadOptions};
use serde::Serialize;

use crate::kernel::{subject_rows, Scratch, SubjectView, UnsortedAt};
use crate::params::TabParams;
use crate::space::{CodeStats, FeatureSpace};
use crate::{Error, Result};

/// One prediction time to tabularize, with its label carried through.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PredictionRow {
    /// The subject.
    pub subject_id: i64,
    /// The prediction time (µs since the epoch). Only events at or before it are read.
    pub prediction_time: i64,
    /// The label, if any (boolean labels as 0/1).
    pub label: Option<f64>,
}

/// The features of one split.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitFeatures {
    /// The split (`train`, `tuning`, `held_out`, or `unassigned` for subjects in no split).
    pub split: String,
    /// The rows, in the order the prediction rows were given.
    pub rows: Vec<PredictionRow>,
    /// One matrix row per prediction row.
    pub matrix: CsrMatrix,
}

/// Counts that describe a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct TabSummary {
    /// Prediction rows tabularized.
    pub rows: usize,
    /// Prediction rows whose subject has no events in the dataset (their rows are empty).
    pub rows_without_subject: usize,
    /// Codes in the train split.
    pub train_codes: usize,
    /// Codes included as features.
    pub included_codes: usize,
    /// Feature columns.
    pub features: usize,
    /// Stored (observed) entries over all splits.
    pub nnz: usize,
    /// Whether code inclusion used every subject because the dataset has no train split.
    pub inclusion_used_all_subjects: bool,
}

/// The result of [`tabularize`].
#[derive(Debug, Clone)]
pub struct Tabularized {
    /// The feature columns.
    pub space: FeatureSpace,
    /// Features per split, sorted by split name.
    pub splits: Vec<SplitFeatures>,
    /// Counts describing the run.
    pub summary: TabSummary,
}

/// Subject → split, from `subject_splits.parquet` or, failing that, the shard's `data/<split>/` folder.
fn split_map(ds: &Dataset) -> Result<HashMap<i64, String>> {
    let mut map: HashMap<i64, String> = ds.subject_splits()?.unwrap_or_default().into_iter().collect();
    if map.is_empty() {
        // Cheap: reads only the subject_id column of each shard.
        let per_shard = ds.map_shards(&ReadOptions::default(), |file, shard, _| {
            Ok(file.split_prefix().map(|p| (p.to_string(), shard.subject_ids().to_vec())))
        })?;
        for (split, ids) in per_shard.into_iter().flatten() {
            for id in ids {
                map.insert(id, split.clone());
            }
        }
    }
    Ok(map)
}

/// Counts every code's events in the train split (all subjects when no subject is in `train`).
pub fn train_code_stats(ds: &Dataset, splits: &HashMap<i64, String>) -> Result<(BTreeMap<String, CodeStats>, bool)> {
    let use_all = !splits.values().any(|s| s == "train");
    let per_shard = ds.map_shards(&ReadOptions::default(), |_, shard, vocab| {
        let mut by_id = vec![CodeStats::default(); vocab.len()];
        let (tv, nv) = (shard.time_valid(), shard.numeric_valid());
        for subject in shard.subjects() {
            if !use_all && splits.get(&subject.id().0).map(String::as_str) != Some("train") {
                continue;
            }
            for r in subject.rows() {
                let s = &mut by_id[shard.codes()[r] as usize];
                let has_value = nv.get(r) && shard.numeric_values()[r].is_finite();
                if tv.get(r) {
                    s.events += 1;
                    s.values += has_value as u64;
                } else {
                    s.static_events += 1;
                    s.static_values += has_value as u64;
                }
            }
        }
        Ok(by_id
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s != CodeStats::default())
            .map(|(id, s)| (vocab.codes()[id].clone(), s))
            .collect::<Vec<_>>())
    })?;
    let mut stats: BTreeMap<String, CodeStats> = BTreeMap::new();
    for (code, s) in per_shard.into_iter().flatten() {
        stats.entry(code).or_default().add(&s);
    }
    Ok((stats, use_all))
}

/// Tabularizes `rows` on the dataset: features decided on the train split, then for every prediction
/// row the static features and every window's aggregations of the events at or before its prediction
/// time (see [`crate::Anchor`] for where windows end).
pub fn tabularize(ds: &Dataset, rows: &[PredictionRow], params: &TabParams) -> Result<Tabularized> {
    let splits = split_map(ds)?;
    let (stats, use_all) = train_code_stats(ds, &splits)?;
    let space = FeatureSpace::from_stats(&stats, params);
    let mut t = tabularize_in_space(ds, rows, &space, &splits)?;
    t.summary.train_codes = stats.len();
    t.summary.inclusion_used_all_subjects = use_all;
    Ok(t)
}

/// Tabularizes `rows` in an existing feature space (e.g. the one a saved model was trained in), so that
/// another site's or a later period's data gets exactly the training columns: codes unknown to the
/// space are ignored, and columns of codes the new data lacks stay empty.
pub fn tabularize_with_space(ds: &Dataset, rows: &[PredictionRow], space: &FeatureSpace) -> Result<Tabularized> {
    let splits = split_map(ds)?;
    tabularize_in_space(ds, rows, space, &splits)
}

fn tabularize_in_space(
    ds: &Dataset,
    rows: &[PredictionRow],
    space: &FeatureSpace,
    splits: &HashMap<i64, String>,
) -> Result<Tabularized> {
    let space = space.clone();
    let code_index: HashMap<&str, u32> =
        space.codes.iter().enumerate().map(|(i, c)| (c.code.as_str(), i as u32)).collect();

    // Prediction rows by subject, in time order (stable for equal times).
    let mut by_subject: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_subject.entry(r.subject_id).or_default().push(i);
    }
    for idx in by_subject.values_mut() {
        idx.sort_by_key(|&i| rows[i].prediction_time);
    }

    let computed = ds.try_map_shards(&ReadOptions::default(), |file, shard, vocab| {
        let feature_of_id: Vec<Option<u32>> =
            vocab.codes().iter().map(|c| code_index.get(c.as_str()).copied()).collect();
        let mut scratch = Scratch::new(space.codes.len());
        let mut out: Vec<(usize, Vec<(u32, f32)>)> = Vec::new();
        let feature_code: Vec<Option<u32>> = shard.codes().iter().map(|&c| feature_of_id[c as usize]).collect();
        for subject in shard.subjects() {
            let Some(idx) = by_subject.get(&subject.id().0) else { continue };
            let r = subject.rows();
            let view = SubjectView {
                times: subject.times(),
                time_valid: shard.time_valid(),
                feature_code: &feature_code[r.clone()],
                values: subject.numeric_values(),
                value_valid: shard.numeric_valid(),
                offset: r.start,
            };
            let times: Vec<i64> = idx.iter().map(|&i| rows[i].prediction_time).collect();
            let computed = subject_rows(&view, &space, &times, &mut scratch).map_err(|UnsortedAt(k)| {
                Error::Unsorted { shard: file.name.clone(), subject_id: subject.id().0, row: r.start + k }
            })?;
            out.extend(idx.iter().copied().zip(computed));
        }
        Ok::<_, Error>(out)
    })?;

    let mut entries: Vec<Option<Vec<(u32, f32)>>> = vec![None; rows.len()];
    for (i, row) in computed.into_iter().flatten() {
        entries[i] = Some(row);
    }
    let mut summary = TabSummary {
        rows: rows.len(),
        included_codes: space.codes.len(),
        features: space.n_features(),
        ..TabSummary::default()
    };
    // Each split's matrix is allocated at its exact size, and each row's buffer is freed as soon as it is
    // copied, so peak memory is about one copy of the entries rather than two plus growth slack.
    let split_of: Vec<String> =
        rows.iter().map(|r| splits.get(&r.subject_id).cloned().unwrap_or_else(|| "unassigned".to_string())).collect();
    let mut sizes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, split) in split_of.iter().enumerate() {
        let e = sizes.entry(split.as_str()).or_default();
        e.0 += 1;
        e.1 += entries[i].as_ref().map_or(0, Vec::len);
    }
    let mut by_split: BTreeMap<String, SplitFeatures> = sizes
        .iter()
        .map(|(&split, &(n_rows, nnz))| {
            let sf = SplitFeatures {
                split: split.to_string(),
                rows: Vec::with_capacity(n_rows),
                matrix: CsrMatrix::with_capacity(space.n_features(), n_rows, nnz),
            };
            (split.to_string(), sf)
        })
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let sf = by_split.get_mut(&split_of[i]).expect("every split was sized above");
        let row = entries[i].take();
        if row.is_none() {
            summary.rows_without_subject += 1;
        }
        sf.rows.push(*r);
        sf.matrix.push_row(row.as_deref().unwrap_or(&[]));
    }
    let splits: Vec<SplitFeatures> = by_split.into_values().collect();
    summary.nnz = splits.iter().map(|s| s.matrix.nnz()).sum();
    Ok(Tabularized { space, splits, summary })
}
