//! Predicate evaluation on one shard: each plain predicate is resolved once to the set of matching
//! code ids in the shard's vocabulary, then one scan over a subject's events fills a per-timestamp
//! count table (ACES's `generate_plain_predicates_from_meds` + `get_predicates_df`).

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use mlhc_core::CodeId;
use mlhc_meds::{Shard, SubjectEvents, Vocabulary};

use crate::config::{CodeMatch, ColumnValue, Logic, PlainPredicate, PredicateKind, TaskConfig};
use crate::{CodeNull, Error, ExtractOptions, Result};

/// Plain predicates resolved against one shard.
#[derive(Debug)]
pub(crate) struct ShardPredicates {
    /// `preds[offsets[c]..offsets[c + 1]]`: the plain predicates whose code criterion code id `c` meets.
    offsets: Vec<u32>,
    preds: Vec<u32>,
    /// Per predicate: rows of the shard where its other-column criteria hold (`None` = no criteria).
    row_masks: Vec<Option<Vec<bool>>>,
}

fn code_matches(m: &CodeMatch, vocab: &Vocabulary, options: &ExtractOptions) -> Vec<u32> {
    match m {
        CodeMatch::Exact(code) => vocab.get(code).map(|c| c.0).into_iter().collect(),
        CodeMatch::Any(codes) => {
            let mut ids: Vec<u32> = codes.iter().filter_map(|c| vocab.get(c)).map(|c| c.0).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
        CodeMatch::Regex(re) => (0..vocab.len() as u32).filter(|&id| re.is_match(vocab.code(CodeId(id)))).collect(),
        CodeMatch::Null => match options.code_null {
            CodeNull::MatchNothing => Vec::new(),
            CodeNull::MatchAny => (0..vocab.len() as u32).collect(),
        },
    }
}

fn column_mask(shard: &Shard, column: &str, value: &ColumnValue) -> std::result::Result<Vec<bool>, String> {
    let n = shard.n_events();
    if column == mlhc_meds::schema::TEXT_VALUE {
        let ColumnValue::Text(v) = value else {
            return Err(format!("text_value is a string column; cannot compare it with {value:?}"));
        };
        return Ok(match shard.text_values() {
            Some(t) => (0..n).map(|i| t.get(i) == Some(v.as_str())).collect(),
            None => vec![false; n],
        });
    }
    if column == mlhc_meds::schema::NUMERIC_VALUE {
        let target = match value {
            ColumnValue::Int(i) => *i as f32,
            ColumnValue::Float(f) => *f as f32,
            other => return Err(format!("numeric_value is numeric; cannot compare it with {other:?}")),
        };
        let (vals, valid) = (shard.numeric_values(), shard.numeric_valid());
        return Ok((0..n).map(|i| valid.get(i) && vals[i] == target).collect());
    }
    let Some((_, arr)) = shard.extra_columns().iter().find(|(name, _)| name == column) else {
        return Err(format!("the dataset has no column {column:?}"));
    };
    array_mask(arr, value)
        .ok_or_else(|| format!("column {column:?} of type {} cannot equal {value:?}", arr.data_type()))
}

fn array_mask(arr: &ArrayRef, value: &ColumnValue) -> Option<Vec<bool>> {
    fn prim<T: arrow_array::ArrowPrimitiveType>(arr: &ArrayRef, eq: impl Fn(T::Native) -> bool) -> Vec<bool> {
        arr.as_primitive::<T>().iter().map(|v| v.is_some_and(&eq)).collect()
    }
    // Numeric columns compare with a numeric value as polars does, after widening both to f64.
    let number = match value {
        ColumnValue::Int(i) => Some(*i as f64),
        ColumnValue::Float(f) => Some(*f),
        _ => None,
    };
    match (arr.data_type(), value, number) {
        (DataType::Utf8, ColumnValue::Text(v), _) => {
            Some(arr.as_string::<i32>().iter().map(|s| s == Some(v.as_str())).collect())
        }
        (DataType::LargeUtf8, ColumnValue::Text(v), _) => {
            Some(arr.as_string::<i64>().iter().map(|s| s == Some(v.as_str())).collect())
        }
        (DataType::Utf8View, ColumnValue::Text(v), _) => {
            Some(arr.as_string_view().iter().map(|s| s == Some(v.as_str())).collect())
        }
        (DataType::Boolean, ColumnValue::Bool(b), _) => Some(arr.as_boolean().iter().map(|s| s == Some(*b)).collect()),
        (DataType::Int64, _, Some(n)) => Some(prim::<Int64Type>(arr, |x| x as f64 == n)),
        (DataType::Int32, _, Some(n)) => Some(prim::<Int32Type>(arr, |x| x as f64 == n)),
        (DataType::Int16, _, Some(n)) => Some(prim::<Int16Type>(arr, |x| x as f64 == n)),
        (DataType::Int8, _, Some(n)) => Some(prim::<Int8Type>(arr, |x| x as f64 == n)),
        (DataType::Float64, _, Some(n)) => Some(prim::<Float64Type>(arr, |x| x == n)),
        (DataType::Float32, _, Some(n)) => Some(prim::<Float32Type>(arr, |x| x as f64 == n)),
        _ => None,
    }
}

impl ShardPredicates {
    /// Resolves every plain predicate of `config` against the shard's vocabulary and columns.
    pub(crate) fn resolve(
        config: &TaskConfig,
        shard: &Shard,
        vocab: &Vocabulary,
        options: &ExtractOptions,
    ) -> Result<Self> {
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); vocab.len()];
        let mut row_masks = Vec::with_capacity(config.predicates.len());
        for (p, pred) in config.predicates.iter().enumerate() {
            let PredicateKind::Plain(plain) = &pred.kind else {
                row_masks.push(None);
                continue;
            };
            for id in code_matches(&plain.code, vocab, options) {
                lists[id as usize].push(p as u32);
            }
            let mut mask: Option<Vec<bool>> = None;
            for (column, value) in &plain.other_columns {
                let m = column_mask(shard, column, value).map_err(|message| Error::Column {
                    shard: shard.name().to_string(),
                    predicate: pred.name.clone(),
                    message,
                })?;
                mask = Some(match mask {
                    None => m,
                    Some(prev) => prev.iter().zip(&m).map(|(a, b)| *a && *b).collect(),
                });
            }
            row_masks.push(mask);
        }
        let mut offsets = Vec::with_capacity(vocab.len() + 1);
        let mut preds = Vec::new();
        offsets.push(0);
        for l in &lists {
            preds.extend_from_slice(l);
            offsets.push(preds.len() as u32);
        }
        Ok(Self { offsets, preds, row_masks })
    }

    fn for_code(&self, code: u32) -> &[u32] {
        let c = code as usize;
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.preds[a as usize..b as usize],
            _ => &[],
        }
    }
}

fn value_ok(p: &PlainPredicate, value: Option<f32>) -> bool {
    if p.min.is_none() && p.max.is_none() {
        return true;
    }
    // A bounded predicate never matches an event without a value (the comparison is null).
    let Some(v) = value else { return false };
    let lo = p.min.is_none_or(|b| if b.inclusive { v >= b.value } else { v > b.value });
    let hi = p.max.is_none_or(|b| if b.inclusive { v <= b.value } else { v < b.value });
    lo && hi
}

/// The per-timestamp predicate counts of one subject: ACES's predicates dataframe restricted to the
/// subject, with static rows kept aside.
#[derive(Debug, Default)]
pub(crate) struct SubjectTable {
    /// Distinct event timestamps, ascending.
    pub times: Vec<i64>,
    /// Column-major counts: `values[c * n + r]` for column `c`, timestamp row `r`.
    pub values: Vec<i64>,
    /// Per predicate, the count over the subject's static (untimed) events.
    pub static_counts: Vec<i64>,
    /// Whether the subject has static events.
    pub has_static: bool,
    order: Vec<u32>,
    row_of: Vec<u32>,
}

impl SubjectTable {
    /// The number of timestamp rows.
    pub fn n_rows(&self) -> usize {
        self.times.len()
    }

    /// Column `c`.
    pub fn column(&self, c: usize) -> &[i64] {
        let n = self.times.len();
        &self.values[c * n..(c + 1) * n]
    }

    /// Fills the table for `subject` (reusing buffers).
    pub(crate) fn fill(
        &mut self,
        config: &TaskConfig,
        resolved: &ShardPredicates,
        shard: &Shard,
        subject: &SubjectEvents<'_>,
    ) {
        let rows = subject.rows();
        let times = subject.times();
        let codes = subject.codes();
        let values = subject.numeric_values();
        let time_valid = shard.time_valid();
        let numeric_valid = shard.numeric_valid();
        let n_pred = config.predicates.len();

        // Timed events in time order; MEDS stores them sorted, so sorting is only a fallback.
        self.order.clear();
        let mut sorted = true;
        let mut last = i64::MIN;
        for (k, row) in rows.clone().enumerate() {
            if time_valid.get(row) {
                let t = times[k];
                sorted &= t >= last;
                last = t;
                self.order.push(k as u32);
            }
        }
        if !sorted {
            self.order.sort_by_key(|&k| times[k as usize]);
        }
        self.times.clear();
        self.row_of.clear();
        self.row_of.resize(rows.len(), u32::MAX);
        for &k in &self.order {
            let t = times[k as usize];
            if self.times.last() != Some(&t) {
                self.times.push(t);
            }
            self.row_of[k as usize] = (self.times.len() - 1) as u32;
        }
        let n = self.times.len();
        let n_cols = config.n_columns();
        self.values.clear();
        self.values.resize(n_cols * n, 0);
        self.static_counts.clear();
        self.static_counts.resize(n_pred, 0);
        self.has_static = false;

        for (k, row) in rows.enumerate() {
            let is_static = !time_valid.get(row);
            self.has_static |= is_static;
            let matching = resolved.for_code(codes[k]);
            if matching.is_empty() {
                continue;
            }
            let value = numeric_valid.get(row).then(|| values[k]);
            for &p in matching {
                let p = p as usize;
                let PredicateKind::Plain(plain) = &config.predicates[p].kind else { continue };
                if !value_ok(plain, value) {
                    continue;
                }
                if let Some(mask) = &resolved.row_masks[p] {
                    if !mask[row] {
                        continue;
                    }
                }
                if is_static {
                    self.static_counts[p] += 1;
                } else {
                    self.values[p * n + self.row_of[k] as usize] += 1;
                }
            }
        }

        // Derived predicates, in dependency order. A patient demographic read by a derived predicate
        // takes the subject's first-row value at every timestamp, as ACES propagates it with
        // `first().over("subject_id")` (the static row sorts first).
        for (d, pred) in config.predicates.iter().enumerate() {
            let PredicateKind::Derived(der) = &pred.kind else { continue };
            for r in 0..n {
                let positive = |i: usize| -> bool {
                    let v = if config.is_static(i) {
                        if self.has_static {
                            self.static_counts[i]
                        } else {
                            self.values[i * n]
                        }
                    } else {
                        self.values[i * n + r]
                    };
                    v > 0
                };
                let v = match der.logic {
                    Logic::And => der.inputs.iter().all(|&i| positive(i)),
                    Logic::Or => der.inputs.iter().any(|&i| positive(i)),
                };
                self.values[d * n + r] = v as i64;
            }
        }
        // Special predicates: one per timestamp, first timestamp, last timestamp.
        if n > 0 {
            self.values[n_pred * n..(n_pred + 1) * n].fill(1);
            self.values[(n_pred + 1) * n] = 1;
            self.values[(n_pred + 2) * n + n - 1] = 1;
        }
    }

    /// Whether the subject passes every patient-demographic filter: a static event matching each
    /// demographic (ACES's `check_static_variables`).
    pub(crate) fn passes_demographics(&self, config: &TaskConfig) -> bool {
        config.predicates.iter().enumerate().all(|(i, p)| match &p.kind {
            PredicateKind::Plain(pp) if pp.is_static => self.has_static && self.static_counts[i] > 0,
            _ => true,
        })
    }
}
