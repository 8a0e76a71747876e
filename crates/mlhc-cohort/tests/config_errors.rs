//! Invalid task configs: one per failure mode, each rejected with the key at fault and the reason.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use mlhc_cohort::{Error, TaskConfig};

fn err(task: &str) -> String {
    match TaskConfig::from_yaml_str(task, None) {
        Ok(_) => panic!("accepted an invalid config:\n{task}"),
        Err(e) => e.to_string(),
    }
}

const PREDS: &str = "predicates:\n  adm: {code: ADM}\n  death: {code: DEATH}\n";

fn with_window(window: &str) -> String {
    format!("{PREDS}trigger: adm\nwindows:\n  w: {window}\n")
}

#[test]
fn structural_errors_name_the_key() {
    assert_eq!(err("trigger: adm\nfoo: 1\n"), "<task>: foo: unrecognized key (expected predicates, patient_demographics, trigger, windows, description, metadata)");
    assert_eq!(err(PREDS), "<task>: trigger: missing");
    assert_eq!(err(&format!("{PREDS}trigger: nope\n")), "<task>: trigger: predicate \"nope\" is not defined");
    assert!(matches!(TaskConfig::from_yaml_str("trigger: [", None), Err(Error::Yaml { .. })));
}

#[test]
fn predicate_errors() {
    assert_eq!(
        err("predicates:\n  adm: {code: ADM, value_min: high}\ntrigger: adm\n"),
        "<task>: predicates.adm.value_min: expected a number or null, found a string"
    );
    assert_eq!(
        err("predicates:\n  adm: {code: {regex: '('}}\ntrigger: adm\n").split(": invalid regex").next(),
        Some("<task>: predicates.adm.code.regex")
    );
    assert_eq!(
        err("predicates:\n  adm: {code: {like: ADM}}\ntrigger: adm\n"),
        "<task>: predicates.adm.code.like: unrecognized key (expected `regex` or `any`)"
    );
    assert_eq!(
        err("predicates:\n  adm:\n    code: ???\ntrigger: adm\n"),
        "<task>: predicates.adm.code: is the placeholder ??? (fill it with a predicates file: --predicates)"
    );
    assert_eq!(
        err("predicates:\n  a: {code: A}\n  d: {expr: 'xor(a, a)'}\ntrigger: d\n"),
        "<task>: predicates.d.expr: \"xor(a, a)\" must start with `and(` or `or(` and end with `)`"
    );
    assert_eq!(
        err("predicates:\n  a: {code: A}\n  d: {expr: 'and(a)'}\ntrigger: d\n"),
        "<task>: predicates.d.expr: \"and(a)\" needs at least two comma-separated input predicates"
    );
    assert_eq!(
        err("predicates:\n  a: {code: A}\n  d: {expr: 'and(a, e)'}\n  e: {expr: 'or(a, d)'}\ntrigger: d\n"),
        "<task>: predicates.d.expr: derived predicate \"d\" depends on itself"
    );
    assert_eq!(
        err("predicates:\n  a: {code: A}\n  d: {expr: 'and(a, b)'}\ntrigger: d\n"),
        "<task>: predicates.d.expr: predicate \"b\" is not defined"
    );
    assert_eq!(
        err("predicates:\n  a: {code: A}\npatient_demographics:\n  male: {code: M}\ntrigger: male\n"),
        "<task>: trigger: \"male\" is a patient demographic; use it in a derived predicate instead"
    );
}

#[test]
fn window_errors() {
    assert_eq!(
        err(&with_window("{start: trigger, end: start + 1d, end_inclusive: true}")),
        "<task>: windows.w.start_inclusive: missing"
    );
    assert_eq!(
        err(&with_window("{start: null, end: null, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w: start and end cannot both be null (the window would span the whole record)"
    );
    assert_eq!(
        err(&with_window("{start: trigger, end: trigger + 1d, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w: exactly one of start and end must be placed relative to the other (`start` / `end`)"
    );
    assert_eq!(
        err(&with_window("{start: trigger, end: start - 1d, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w.end: the end would come before the start"
    );
    assert_eq!(
        err(&with_window("{start: trigger, end: start + 1 fortnight, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w.end: cannot parse the offset \"1 fortnight\""
    );
    assert_eq!(
        err(&with_window("{start: other.end, end: start + 1d, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w.start: window \"other\" is not defined"
    );
    assert_eq!(
        err(&with_window("{start: trigger, end: start -> nothing, start_inclusive: true, end_inclusive: true}")),
        "<task>: windows.w.end: predicate \"nothing\" is not defined"
    );
    assert_eq!(
        err(&with_window(
            "{start: trigger, end: start + 1d, start_inclusive: true, end_inclusive: true, has: {death: '(2, 1)'}}"
        )),
        "<task>: windows.w.has.death: \"(2, 1)\" has max < min"
    );
    assert_eq!(
        err(&with_window(
            "{start: trigger, end: start + 1d, start_inclusive: true, end_inclusive: true, has: {death: '(None, None)'}}"
        )),
        "<task>: windows.w.has.death: \"(None, None)\" constrains nothing; give a min or a max"
    );
    assert_eq!(
        err(&with_window(
            "{start: trigger, end: start + 1d, start_inclusive: true, end_inclusive: true, index_timestamp: middle}"
        )),
        "<task>: windows.w.index_timestamp: expected `start` or `end`, found \"middle\""
    );
    assert_eq!(
        err(&with_window("{start: trigger, end: start, start_inclusive: true, end_inclusive: true, label: death}")),
        "<task>: windows.w.label: the window has zero length, so it has no summary"
    );
    let two_labels = format!(
        "{PREDS}trigger: adm\nwindows:\n  a: {{start: trigger, end: start + 1d, start_inclusive: true, end_inclusive: true, label: death}}\n  b: {{start: trigger, end: start + 2d, start_inclusive: true, end_inclusive: true, label: death}}\n"
    );
    assert_eq!(
        err(&two_labels),
        "<task>: windows.b.label: only one window can have a label (window \"a\" has one already)"
    );
    let cycle = format!(
        "{PREDS}trigger: adm\nwindows:\n  a: {{start: b.end, end: start + 1d, start_inclusive: true, end_inclusive: true}}\n  b: {{start: a.end, end: start + 1d, start_inclusive: true, end_inclusive: true}}\n"
    );
    assert_eq!(err(&cycle), "<task>: windows.a: window references form a cycle");
}

#[test]
fn predicates_file_fills_placeholders() {
    let task = "predicates:\n  adm: ???\n  death: {code: DEATH}\ntrigger: adm\n";
    assert_eq!(
        err(task),
        "<task>: predicates.adm: is the placeholder ??? (fill it with a predicates file: --predicates)"
    );
    let cfg = TaskConfig::from_yaml_str(task, Some("predicates:\n  adm: {code: {regex: '^ADM'}}\n")).unwrap();
    assert_eq!(cfg.trigger_name(), "adm");
    let bad = TaskConfig::from_yaml_str(task, Some("predicates: {}\nwindows: {}\n")).unwrap_err();
    assert_eq!(bad.to_string(), "<predicates>: windows: unrecognized key (expected predicates, patient_demographics)");
}

#[test]
fn a_predicate_on_a_missing_column_is_an_error_naming_shard_and_predicate() {
    let mut b = mlhc_meds::ShardBuilder::new("train/0");
    b.push(mlhc_meds::Event { subject_id: 1, time: Some(0), code: "ADM", numeric_value: None, text_value: None });
    let (shard, vocab, _) = b.finish(false);
    let task = "predicates:\n  adm: {code: ADM, unit: mg}\ntrigger: adm\n";
    let cfg = TaskConfig::from_yaml_str(task, None).unwrap();
    let e = mlhc_cohort::extract_shard(&shard, &vocab, &cfg, &mlhc_cohort::ExtractOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "shard train/0: predicate \"adm\": the dataset has no column \"unit\"");
}

#[test]
fn an_empty_cohort_is_a_valid_result() {
    let mut b = mlhc_meds::ShardBuilder::new("train/0");
    b.push(mlhc_meds::Event { subject_id: 1, time: Some(0), code: "OTHER", numeric_value: None, text_value: None });
    let (shard, vocab, _) = b.finish(false);
    let cfg = TaskConfig::from_yaml_str("predicates:\n  adm: {code: ADM}\ntrigger: adm\n", None).unwrap();
    let labels = mlhc_cohort::extract_shard(&shard, &vocab, &cfg, &mlhc_cohort::ExtractOptions::default()).unwrap();
    assert!(labels.is_empty());
    assert_eq!(mlhc_cohort::summarize(&labels), mlhc_cohort::Summary::default());
}
