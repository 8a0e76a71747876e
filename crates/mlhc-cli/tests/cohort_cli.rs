//! `mlhc cohort`, run as a user would.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;
use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

fn testdata(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(p).to_str().unwrap().to_string()
}

#[test]
fn cohort_writes_meds_labels_and_reports_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("labels.parquet");
    let out = mlhc(&[
        "cohort",
        "--config",
        &testdata("meds-dev-tasks/tasks/mortality/in_icu/first_24h.yaml"),
        "--predicates",
        &testdata("meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml"),
        &testdata("mimic-iv-demo-meds"),
        "-o",
        out_path.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // es-aces 0.7.3 on the same task and data: 74 rows, 56 subjects, 9 positives (testdata/aces-expected).
    assert_eq!((v["rows"].as_u64(), v["subjects"].as_u64(), v["positives"].as_u64()), (Some(74), Some(56), Some(9)));
    let labels = mlhc_meds::labels::read_labels(&out_path).unwrap();
    assert_eq!(labels.len(), 74);
    assert_eq!(labels.boolean_value.iter().filter(|v| **v == Some(true)).count(), 9);
}

#[test]
fn cohort_reports_an_invalid_config_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let task = dir.path().join("task.yaml");
    std::fs::write(&task, "predicates:\n  adm: {code: ADM}\ntrigger: adm\nwindows:\n  w: {start: trigger}\n").unwrap();
    let out = mlhc(&[
        "cohort",
        "--config",
        task.to_str().unwrap(),
        &testdata("aces-meds-sample"),
        "-o",
        dir.path().join("l.parquet").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let t = task.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: invalid task {t}: {t}: windows.w.end: missing (use null for the record end)\n")
    );
    assert!(!dir.path().join("l.parquet").exists());
}
