//! `inspect`: a summary of a MEDS dataset, computed shard by shard with bounded memory.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::read::{Dataset, ReadOptions};
use crate::Result;

/// A code and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeCount {
    /// The code.
    pub code: String,
    /// Events with this code.
    pub events: u64,
    /// Share of all events.
    pub share: f64,
    /// Its description from `codes.parquet`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Quantiles of the number of events per subject (linear interpolation between order statistics, as
/// numpy's default `quantile`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantiles {
    /// Smallest.
    pub min: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// Per-split totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SplitSummary {
    /// Subjects in the split.
    pub subjects: u64,
    /// Their events.
    pub events: u64,
}

/// The summary [`inspect`] returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSummary {
    /// The dataset's name from `dataset.json`.
    pub dataset_name: Option<String>,
    /// Data shards.
    pub shards: usize,
    /// Subjects.
    pub subjects: u64,
    /// Events (rows).
    pub events: u64,
    /// Static events (null time).
    pub static_events: u64,
    /// Distinct codes.
    pub codes: u64,
    /// The earliest event time (ISO 8601), static events excluded.
    pub time_min: Option<String>,
    /// The latest event time.
    pub time_max: Option<String>,
    /// Share of events with a numeric value.
    pub numeric_share: f64,
    /// Share of events with a text value.
    pub text_share: f64,
    /// Subjects and events per split (from `subject_splits.parquet`, else from `data/<split>/` folders;
    /// subjects in neither are under `"unassigned"`).
    pub splits: BTreeMap<String, SplitSummary>,
    /// The most frequent codes.
    pub top_codes: Vec<CodeCount>,
    /// Events per subject.
    pub events_per_subject: Option<Quantiles>,
}

struct ShardStats {
    code_counts: HashMap<String, u64>,
    per_subject: Vec<(i64, u32)>,
    split_prefix: Option<String>,
    events: u64,
    static_events: u64,
    numeric: u64,
    text: u64,
    time_min: Option<i64>,
    time_max: Option<i64>,
}

/// The `q`-quantile of sorted `xs` with linear interpolation (numpy's default).
fn quantile(xs: &[f64], q: f64) -> f64 {
    let pos = q * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
}

fn quantiles(mut xs: Vec<f64>) -> Option<Quantiles> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    Some(Quantiles {
        min: xs[0],
        p05: quantile(&xs, 0.05),
        p25: quantile(&xs, 0.25),
        median: quantile(&xs, 0.5),
        p75: quantile(&xs, 0.75),
        p95: quantile(&xs, 0.95),
        max: xs[xs.len() - 1],
        mean,
    })
}

/// Summarises the dataset at `root`, listing the `top` most frequent codes.
///
/// Shards are read in parallel, one per worker at a time, so memory is bounded by the largest shard.
pub fn inspect(root: &Path, top: usize) -> Result<DatasetSummary> {
    let ds = Dataset::open(root)?;
    let stats = ds.map_shards(&ReadOptions { text: true, extra_columns: false }, |file, shard, vocab| {
        let mut by_id = vec![0u64; vocab.len()];
        for &c in shard.codes() {
            by_id[c as usize] += 1;
        }
        let code_counts =
            by_id.iter().enumerate().filter(|(_, &n)| n > 0).map(|(id, &n)| (vocab.codes()[id].clone(), n)).collect();
        let per_subject = shard.subjects().map(|s| (s.id().0, s.len() as u32)).collect();
        let valid = shard.time_valid();
        let (mut tmin, mut tmax) = (None::<i64>, None::<i64>);
        let mut static_events = 0;
        for (r, &t) in shard.times().iter().enumerate() {
            if valid.get(r) {
                tmin = Some(tmin.map_or(t, |m| m.min(t)));
                tmax = Some(tmax.map_or(t, |m| m.max(t)));
            } else {
                static_events += 1;
            }
        }
        Ok(ShardStats {
            code_counts,
            per_subject,
            split_prefix: file.split_prefix().map(str::to_string),
            events: shard.n_events() as u64,
            static_events,
            numeric: shard.numeric_valid().count_set() as u64,
            text: shard.text_values().map_or(0, |t| t.count_valid() as u64),
            time_min: tmin,
            time_max: tmax,
        })
    })?;

    let split_of: HashMap<i64, String> = ds.subject_splits()?.unwrap_or_default().into_iter().collect();
    let descriptions: HashMap<String, String> = ds
        .codes()
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| c.description.map(|d| (c.code, d)))
        .collect();

    let mut code_counts: HashMap<String, u64> = HashMap::new();
    let mut splits: BTreeMap<String, SplitSummary> = BTreeMap::new();
    let mut per_subject = Vec::new();
    let (mut events, mut static_events, mut numeric, mut text) = (0u64, 0u64, 0u64, 0u64);
    let (mut tmin, mut tmax) = (None::<i64>, None::<i64>);
    for s in stats {
        for (code, n) in s.code_counts {
            *code_counts.entry(code).or_insert(0) += n;
        }
        for (sid, n) in s.per_subject {
            let split = split_of.get(&sid).cloned().or_else(|| s.split_prefix.clone()).unwrap_or("unassigned".into());
            let e = splits.entry(split).or_default();
            e.subjects += 1;
            e.events += n as u64;
            per_subject.push(n as f64);
        }
        events += s.events;
        static_events += s.static_events;
        numeric += s.numeric;
        text += s.text;
        tmin = match (tmin, s.time_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        tmax = match (tmax, s.time_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    let share = |n: u64| if events == 0 { 0.0 } else { n as f64 / events as f64 };
    let mut ranked: Vec<(String, u64)> = code_counts.iter().map(|(c, &n)| (c.clone(), n)).collect();
    // Most frequent first; ties by code so the listing is deterministic.
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let top_codes = ranked
        .into_iter()
        .take(top)
        .map(|(code, n)| CodeCount { description: descriptions.get(&code).cloned(), code, events: n, share: share(n) })
        .collect();
    Ok(DatasetSummary {
        dataset_name: ds.metadata().ok().flatten().and_then(|m| m.dataset_name),
        shards: ds.shard_files().len(),
        subjects: per_subject.len() as u64,
        events,
        static_events,
        codes: code_counts.len() as u64,
        time_min: tmin.map(|t| mlhc_core::Timestamp(t).to_string()),
        time_max: tmax.map(|t| mlhc_core::Timestamp(t).to_string()),
        numeric_share: share(numeric),
        text_share: share(text),
        splits,
        top_codes,
        events_per_subject: quantiles(per_subject),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy 1.26: np.quantile([1, 2, 3, 4], [0.25, 0.5, 0.95]) -> [1.75, 2.5, 3.85]
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&xs, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile(&xs, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&xs, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantiles(vec![]), None);
    }
}
