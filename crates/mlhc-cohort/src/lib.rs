//! Prediction tasks in the ACES task-config language, evaluated on MEDS data.
//!
//! A task names a *trigger* predicate and a tree of *windows* around each trigger event; every trigger
//! whose windows can all be placed and whose `has` constraints all hold becomes one label row in the
//! MEDS label schema (`subject_id`, `prediction_time`, `boolean_value`, ...). The reference
//! implementation is PyPI `es-aces==0.7.3`, whose semantics mlhc follows exactly:
//!
//! - plain predicates (exact code, `{regex: ...}` search, `{any: [...]}`, `value_min` / `value_max`
//!   compared in float32 and exclusive unless `*_inclusive: true`, other columns such as
//!   `text_value`) are **counted per (subject, timestamp)**: all events at one time form one row;
//! - derived predicates `and(a, b, ...)` / `or(a, b, ...)` are 0/1 per timestamp over those counts;
//! - `_ANY_EVENT` is 1 per timestamp, `_RECORD_START` / `_RECORD_END` mark the first / last timestamp;
//! - `patient_demographics` keep only subjects with a matching static (untimed) event;
//! - a plain predicate with `code: null` matches nothing ([`CodeNull::MatchNothing`], the default).
//!
//! Evaluation is per shard: each plain predicate is resolved once to the code ids it matches in the
//! shard's vocabulary, one pass over a subject's events fills a small per-timestamp count table, and
//! each trigger is walked down the window tree with prefix sums and binary searches. Shards run in
//! parallel, and memory is bounded by a shard.
//!
//! Known differences from es-aces 0.7.3:
//! - when an event-bound window (`-> pred`, `<- pred`) that is a leaf of the tree finds no event,
//!   es-aces can also emit a row with a null prediction time and null label for that subject (a join
//!   on null keys); mlhc emits only valid triggers;
//! - values are compared in float32, as es-aces does on a MEDS (float32) `numeric_value`; on a dataset
//!   that stores float64 values, es-aces compares in float64, so a value within float32 rounding of a
//!   threshold can fall on the other side;
//! - boundaries exactly 1 µs from an anchor (es-aces's ±1 µs sentinel rows tie with real events) are
//!   resolved by the documented inclusivity rule rather than by polars's sort order.
//!
//! ```
//! use mlhc_cohort::{extract_shard, summarize, ExtractOptions, TaskConfig};
//! use mlhc_meds::{Event, ShardBuilder};
//!
//! const H: i64 = 3_600_000_000; // one hour in microseconds
//! let mut b = ShardBuilder::new("train/0");
//! let ev = |subject_id, hour: i64, code| Event {
//!     subject_id, time: Some(hour * H), code, numeric_value: None, text_value: None,
//! };
//! b.push(ev(1, 0, "ADMISSION"));
//! b.push(ev(1, 30, "DEATH"));
//! b.push(ev(2, 0, "ADMISSION"));
//! b.push(ev(2, 100, "DISCHARGE"));
//! let (shard, vocab, _) = b.finish(false);
//!
//! let task = TaskConfig::from_yaml_str("
//! predicates:
//!   admission: {code: ADMISSION}
//!   death: {code: DEATH}
//! trigger: admission
//! windows:
//!   input: {start: null, end: trigger + 24h, start_inclusive: true, end_inclusive: true,
//!           index_timestamp: end}
//!   target: {start: input.end, end: start + 48h, start_inclusive: false, end_inclusive: true,
//!            label: death}
//! ", None).unwrap();
//! let labels = extract_shard(&shard, &vocab, &task, &ExtractOptions::default()).unwrap();
//! assert_eq!(labels.subject_id, [1, 2]);
//! assert_eq!(labels.prediction_time, [Some(24 * H), Some(24 * H)]);
//! assert_eq!(labels.boolean_value, [Some(true), Some(false)]);
//! assert_eq!(summarize(&labels).positives, 1);
//! ```

mod config;
mod error;
mod extract;
mod predicates;
mod windows;

pub use config::{
    CodeMatch, ColumnValue, DerivedPredicate, Logic, PlainPredicate, Predicate, PredicateKind, TaskConfig, ValueBound,
    ANY_EVENT, RECORD_END, RECORD_START,
};
pub use error::{Error, Result};
pub use extract::{extract, extract_shard, extract_with_progress, summarize, Summary};
pub use windows::Side;

/// How a plain predicate with `code: null` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeNull {
    /// Matches no event, as es-aces 0.7.3 does (polars compares the code with null, which is null and
    /// counts as zero); so MEDS-DEV's abnormal-lab tasks come out all-negative. The default.
    #[default]
    MatchNothing,
    /// Matches every code, so that `and(lab_code, range_with_null_code)` means "this lab in range".
    MatchAny,
}

/// Options of an extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtractOptions {
    /// How `code: null` is read. By default, [`CodeNull::MatchNothing`] (es-aces 0.7.3).
    pub code_null: CodeNull,
}
