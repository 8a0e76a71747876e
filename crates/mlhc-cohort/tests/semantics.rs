//! ACES semantics on hand-built subjects: per-timestamp counting, derived predicates over counts,
//! value bounds at the threshold, `code: null`, demographics, `text_value` criteria.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use mlhc_cohort::{extract_shard, CodeNull, ExtractOptions, TaskConfig};
use mlhc_meds::labels::Labels;
use mlhc_meds::{Event, ShardBuilder};

const H: i64 = 3_600_000_000;

fn ev(
    subject_id: i64,
    hour: Option<i64>,
    code: &'static str,
    v: Option<f32>,
    text: Option<&'static str>,
) -> Event<'static> {
    Event { subject_id, time: hour.map(|h| h * H), code, numeric_value: v, text_value: text }
}

fn run(events: &[Event<'_>], task: &str, code_null: CodeNull) -> Labels {
    let mut b = ShardBuilder::new("train/0");
    for e in events {
        b.push(*e);
    }
    let (shard, vocab, _) = b.finish(false);
    let cfg = TaskConfig::from_yaml_str(task, None).unwrap();
    extract_shard(&shard, &vocab, &cfg, &ExtractOptions { code_null }).unwrap()
}

/// A task: trigger `T`, window (trigger, trigger + 10h] with `has` and `label` as given.
fn task(predicates: &str, has: &str, label: &str) -> String {
    format!(
        "predicates:\n  t: {{code: T}}\n{predicates}trigger: t\nwindows:\n  w:\n    start: trigger\n    end: start + 10h\n    start_inclusive: false\n    end_inclusive: true\n    index_timestamp: start\n    has: {{{has}}}\n    label: {label}\n"
    )
}

#[test]
fn plain_predicates_count_events_and_derived_count_timestamps() {
    // Two A events at hour 1 count 2 for the plain predicate but 1 for or(a, b).
    let events = [
        ev(1, Some(0), "T", None, None),
        ev(1, Some(1), "A", None, None),
        ev(1, Some(1), "A", None, None),
        ev(2, Some(0), "T", None, None),
        ev(2, Some(1), "A", None, None),
        ev(2, Some(2), "B", None, None),
    ];
    let preds = "  a: {code: A}\n  b: {code: B}\n  ab: {expr: 'or(a, b)'}\n  both: {expr: 'and(a, b)'}\n";
    let l = run(&events, &task(preds, "a: '(None, 1)'", "ab"), CodeNull::MatchNothing);
    assert_eq!(l.subject_id, [2]);
    let l = run(&events, &task(preds, "ab: '(None, 1)'", "ab"), CodeNull::MatchNothing);
    assert_eq!(l.subject_id, [1]);
    // and(a, b) needs both at the same timestamp, which no subject has.
    let l = run(&events, &task(preds, "a: '(1, None)'", "both"), CodeNull::MatchNothing);
    assert_eq!(l.boolean_value, [Some(false), Some(false)]);
}

#[test]
fn value_bounds_are_exclusive_unless_inclusive_and_need_a_value() {
    let events = [
        ev(1, Some(0), "T", None, None),
        ev(1, Some(1), "K", Some(5.0), None),
        ev(2, Some(0), "T", None, None),
        ev(2, Some(1), "K", Some(5.1), None),
        ev(3, Some(0), "T", None, None),
        ev(3, Some(1), "K", None, None),
    ];
    let labels = |bound: &str| {
        let preds = format!("  k: {{code: K}}\n  high: {{code: K, value_min: 5.0{bound}}}\n");
        run(&events, &task(&preds, "k: '(1, None)'", "high"), CodeNull::MatchNothing).boolean_value
    };
    assert_eq!(labels(""), [Some(false), Some(true), Some(false)]);
    assert_eq!(labels(", value_min_inclusive: true"), [Some(true), Some(true), Some(false)]);
    // Compared in float32: 5.1 read as float32 is not above the float32 threshold 5.1.
    let preds = "  k: {code: K}\n  high: {code: K, value_min: 5.1}\n";
    let l = run(&events, &task(preds, "k: '(1, None)'", "high"), CodeNull::MatchNothing);
    assert_eq!(l.boolean_value, [Some(false), Some(false), Some(false)]);
}

#[test]
fn code_null_matches_nothing_by_default_and_anything_on_request() {
    let events = [ev(1, Some(0), "T", None, None), ev(1, Some(1), "K", Some(1.0), None)];
    let preds = "  k: {code: K}\n  low:\n    code: null\n    value_max: 2\n  low_k: {expr: 'and(k, low)'}\n";
    let t = task(preds, "k: '(1, None)'", "low_k");
    assert_eq!(run(&events, &t, CodeNull::MatchNothing).boolean_value, [Some(false)]);
    assert_eq!(run(&events, &t, CodeNull::MatchAny).boolean_value, [Some(true)]);
}

#[test]
fn demographics_filter_subjects_and_read_as_static_in_derived_predicates() {
    let events = [
        ev(1, None, "SEX//F", None, None),
        ev(1, Some(0), "T", None, None),
        ev(1, Some(1), "A", None, None),
        ev(2, None, "SEX//M", None, None),
        ev(2, Some(0), "T", None, None),
        ev(2, Some(1), "A", None, None),
        ev(3, Some(0), "T", None, None),
    ];
    let t = "predicates:\n  t: {code: T}\n  a: {code: A}\n  fa: {expr: 'and(female, a)'}\npatient_demographics:\n  female: {code: SEX//F}\ntrigger: t\nwindows:\n  w: {start: trigger, end: start + 2h, start_inclusive: true, end_inclusive: true, label: fa}\n";
    let l = run(&events, t, CodeNull::MatchNothing);
    assert_eq!(l.subject_id, [1]);
    assert_eq!(l.boolean_value, [Some(true)]);
    assert_eq!(l.prediction_time, [None]); // no index_timestamp: null, as in es-aces
}

#[test]
fn text_value_criteria_match_exactly() {
    let events = [
        ev(1, Some(0), "T", None, None),
        ev(1, Some(1), "NOTE", None, Some("positive")),
        ev(2, Some(0), "T", None, None),
        ev(2, Some(1), "NOTE", None, Some("negative")),
    ];
    let preds = "  note: {code: NOTE}\n  pos: {code: NOTE, text_value: positive}\n";
    let l = run(&events, &task(preds, "note: '(1, None)'", "pos"), CodeNull::MatchNothing);
    assert_eq!(l.boolean_value, [Some(true), Some(false)]);
    assert_eq!(l.prediction_time, [Some(0), Some(0)]);
}
