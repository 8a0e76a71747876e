//! Label extraction: for every subject, every trigger timestamp is walked down the window tree
//! (ACES's `query` + `extract_subtree`), and a trigger yields one label row when every window can be
//! placed and every constraint holds.

use mlhc_meds::labels::Labels;
use mlhc_meds::{Dataset, ReadOptions, Shard, ShardFile, Vocabulary};
use rayon::prelude::*;

use crate::config::TaskConfig;
use crate::predicates::{ShardPredicates, SubjectTable};
use crate::windows::{Edge, Side};
use crate::{ExtractOptions, Result};

/// Per-subject working state, reused across subjects of a shard.
#[derive(Debug, Default)]
struct Workspace {
    table: SubjectTable,
    /// Prefix sums of the columns windows count: `prefix[slot * (n + 1) + r]` = Σ rows `< r`.
    prefix: Vec<i64>,
    /// Per boundary column: the rows where it is positive.
    boundaries: Vec<Vec<u32>>,
}

/// Which columns the walk needs, computed once per task.
#[derive(Debug)]
struct Plan {
    /// Column → prefix-sum slot.
    sum_slot: Vec<Option<usize>>,
    n_sum: usize,
    /// Column → boundary-list slot.
    boundary_slot: Vec<Option<usize>>,
    n_boundary: usize,
}

impl Plan {
    fn new(config: &TaskConfig) -> Self {
        let n_cols = config.n_columns();
        let mut sum_slot = vec![None; n_cols];
        let mut boundary_slot = vec![None; n_cols];
        let (mut n_sum, mut n_boundary) = (0, 0);
        let mut use_sum = |c: usize| {
            if sum_slot[c].is_none() {
                sum_slot[c] = Some(n_sum);
                n_sum += 1;
            }
        };
        for node in &config.tree.nodes {
            for c in &node.constraints {
                use_sum(c.column);
            }
            if let Some(Edge::Event { column, .. }) = node.edge {
                if boundary_slot[column].is_none() {
                    boundary_slot[column] = Some(n_boundary);
                    n_boundary += 1;
                }
            }
        }
        if let Some(l) = &config.label {
            use_sum(l.column);
        }
        Self { sum_slot, n_sum, boundary_slot, n_boundary }
    }
}

/// What one trigger's walk found.
#[derive(Debug, Default, Clone, Copy)]
struct Found {
    label: Option<bool>,
    index: Option<i64>,
}

struct Walk<'a> {
    config: &'a TaskConfig,
    plan: &'a Plan,
    times: &'a [i64],
    prefix: &'a [i64],
    boundaries: &'a [Vec<u32>],
}

impl Walk<'_> {
    fn sum(&self, column: usize, r0: usize, r1: usize) -> i64 {
        let slot = self.plan.sum_slot[column].expect("every counted column has a prefix slot");
        let base = slot * (self.times.len() + 1);
        self.prefix[base + r1] - self.prefix[base + r0]
    }

    /// The rows with timestamps in the interval from `lo` to `hi`, each end included or not.
    fn rows(&self, lo: i64, lo_inclusive: bool, hi: i64, hi_inclusive: bool) -> (usize, usize) {
        let t = self.times;
        let r0 = if lo_inclusive { t.partition_point(|&x| x < lo) } else { t.partition_point(|&x| x <= lo) };
        let r1 = if hi_inclusive { t.partition_point(|&x| x <= hi) } else { t.partition_point(|&x| x < hi) };
        (r0, r1.max(r0))
    }

    /// Places every child of `node`, anchored at timestamp row `anchor` shifted by `offset` µs, checks
    /// their constraints and recurses; `false` when some child cannot be realised.
    fn visit(&self, node: usize, anchor: usize, offset: i64, found: &mut Found) -> bool {
        let nodes = &self.config.tree.nodes;
        for &child in &nodes[node].children {
            let at = self.times[anchor] + offset;
            let edge = nodes[child].edge.expect("every non-trigger node has an edge");
            // (timestamp_at_start, timestamp_at_end, rows counted, child anchor row, child offset)
            let (ts_start, ts_end, (r0, r1), next_anchor, next_offset) =
                match edge {
                    Edge::Temporal { size, left_inclusive, right_inclusive } => {
                        let (lo, hi) = if size >= 0 { (at, at + size) } else { (at + size, at) };
                        // ACES reports the anchor side as the start even for a backward offset.
                        (at, at + size, self.rows(lo, left_inclusive, hi, right_inclusive), anchor, offset + size)
                    }
                    Edge::Event { column, backward, left_inclusive, right_inclusive } => {
                        let slot = self.plan.boundary_slot[column].expect("every boundary column has a slot");
                        let list = &self.boundaries[slot];
                        let t = self.times;
                        if backward {
                            // The last boundary at (start-inclusive) or strictly before the anchor.
                            let k = list.partition_point(|&r| {
                                if left_inclusive {
                                    t[r as usize] <= at
                                } else {
                                    t[r as usize] < at
                                }
                            });
                            let Some(&b) = k.checked_sub(1).and_then(|k| list.get(k)) else { return false };
                            let tb = t[b as usize];
                            (tb, at, self.rows(tb, left_inclusive, at, right_inclusive), b as usize, 0)
                        } else {
                            // The first boundary at (end-inclusive) or strictly after the anchor.
                            let k = list.partition_point(|&r| {
                                if right_inclusive {
                                    t[r as usize] < at
                                } else {
                                    t[r as usize] <= at
                                }
                            });
                            let Some(&b) = list.get(k) else { return false };
                            let tb = t[b as usize];
                            (at, tb, self.rows(at, left_inclusive, tb, right_inclusive), b as usize, 0)
                        }
                    }
                };
            for c in &nodes[child].constraints {
                let s = self.sum(c.column, r0, r1);
                if c.min.is_some_and(|m| s < m) || c.max.is_some_and(|m| s > m) {
                    return false;
                }
            }
            if let Some(l) = &self.config.label {
                if l.node == child {
                    found.label = Some(self.sum(l.column, r0, r1) > 0);
                }
            }
            if let Some(ix) = &self.config.index {
                if ix.node == child {
                    found.index = Some(match ix.side {
                        Side::Start => ts_start,
                        Side::End => ts_end,
                    });
                }
            }
            if !self.visit(child, next_anchor, next_offset, found) {
                return false;
            }
        }
        true
    }
}

/// Extracts the labels of one shard (its subjects in shard order, triggers in time order).
pub fn extract_shard(
    shard: &Shard,
    vocab: &Vocabulary,
    config: &TaskConfig,
    options: &ExtractOptions,
) -> Result<Labels> {
    let resolved = ShardPredicates::resolve(config, shard, vocab, options)?;
    let plan = Plan::new(config);
    let mut ws = Workspace { boundaries: vec![Vec::new(); plan.n_boundary], ..Workspace::default() };
    let mut out = Labels::default();
    let has_label = config.label.is_some();
    for subject in shard.subjects() {
        ws.table.fill(config, &resolved, shard, &subject);
        if !ws.table.passes_demographics(config) {
            continue;
        }
        let n = ws.table.n_rows();
        if n == 0 {
            continue;
        }
        ws.prefix.clear();
        ws.prefix.resize(plan.n_sum * (n + 1), 0);
        for (c, slot) in plan.sum_slot.iter().enumerate() {
            let Some(slot) = slot else { continue };
            let col = ws.table.column(c);
            let pre = &mut ws.prefix[slot * (n + 1)..(slot + 1) * (n + 1)];
            for r in 0..n {
                pre[r + 1] = pre[r] + col[r];
            }
        }
        for (c, slot) in plan.boundary_slot.iter().enumerate() {
            let Some(slot) = slot else { continue };
            let list = &mut ws.boundaries[*slot];
            list.clear();
            list.extend(ws.table.column(c).iter().enumerate().filter(|(_, &v)| v > 0).map(|(r, _)| r as u32));
        }
        let walk = Walk { config, plan: &plan, times: &ws.table.times, prefix: &ws.prefix, boundaries: &ws.boundaries };
        let trigger = ws.table.column(config.trigger);
        for (r, _) in trigger.iter().enumerate().filter(|(_, &v)| v > 0) {
            let mut found = Found::default();
            if walk.visit(0, r, 0, &mut found) {
                out.subject_id.push(subject.id().0);
                out.prediction_time.push(found.index);
                if has_label {
                    out.boolean_value.push(found.label);
                }
            }
        }
    }
    Ok(out)
}

/// Extracts the labels of a whole dataset: shards in parallel, each read, labelled and dropped in
/// turn, so memory is bounded by the largest shard. Rows come in shard order.
pub fn extract(dataset: &Dataset, config: &TaskConfig, options: &ExtractOptions) -> Result<Labels> {
    extract_with_progress(dataset, config, options, &|_| {})
}

/// [`extract`], calling `on_shard` (from any worker thread) after each shard is labelled.
pub fn extract_with_progress(
    dataset: &Dataset,
    config: &TaskConfig,
    options: &ExtractOptions,
    on_shard: &(dyn Fn(&ShardFile) + Sync),
) -> Result<Labels> {
    let (text, extra_columns) = config.needs_columns();
    let opts = ReadOptions { text, extra_columns };
    // map_shards reports mlhc-meds errors; errors of this crate are carried out in the result.
    let per_shard: Vec<Result<Labels>> = dataset.map_shards(&opts, |file, shard, vocab| {
        let labels = extract_shard(shard, vocab, config, options);
        on_shard(file);
        Ok(labels)
    })?;
    let mut out = Labels::default();
    for labels in per_shard {
        out.append(labels?);
    }
    Ok(out)
}

/// Counts of a label set: rows, distinct subjects and positive (`boolean_value = true`) rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Label rows (valid triggers).
    pub rows: usize,
    /// Distinct subjects with at least one row.
    pub subjects: usize,
    /// Rows whose boolean label is true.
    pub positives: usize,
}

/// Summarises labels (rows, subjects, positives).
pub fn summarize(labels: &Labels) -> Summary {
    let mut ids = labels.subject_id.clone();
    ids.par_sort_unstable();
    ids.dedup();
    Summary {
        rows: labels.len(),
        subjects: ids.len(),
        positives: labels.boolean_value.iter().filter(|v| **v == Some(true)).count(),
    }
}
