//! `mlhc etl`, run as a user would.

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
fn etl_prints_the_reconciliation_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("m3");
    let out = mlhc(&["etl", "--config", "mimic-iii", &testdata("mimic-iii-demo-1.4"), out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["table", "rows", "event", "written", "dup", "rejected", "no_time", "no_code"]
    );
    let procedures = lines.iter().find(|l| l.starts_with("PROCEDURES_ICD")).unwrap();
    assert_eq!(
        procedures.split_whitespace().collect::<Vec<_>>(),
        ["PROCEDURES_ICD", "506", "procedure", "486", "20", "0", "0", "0"]
    );
    assert!(stdout.contains("wrote 19789 events, 100 subjects"), "{stdout}");
    assert!(out_dir.join("etl_report.json").is_file() && out_dir.join("etl_rejects.csv").is_file());
    assert!(out_dir.join("metadata/subject_splits.parquet").is_file());

    // A second run into the same folder is refused: a dataset never mixes with an old one.
    let again = mlhc(&["etl", "--config", "mimic-iii", &testdata("mimic-iii-demo-1.4"), out_dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a MEDS dataset"));
}

#[test]
fn etl_json_reports_missing_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("m4");
    let out =
        mlhc(&["etl", "--config", "mimic-iv", "--json", &testdata("mimic-iv-demo-2.2"), out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&str> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "missing")
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["hosp/emar", "hosp/omr", "hosp/pharmacy", "icu/chartevents", "icu/inputevents"]);
    assert_eq!(
        (v["subjects"].as_u64(), v["events"].as_u64(), v["rejected"].as_u64()),
        (Some(100), Some(128_121), Some(0))
    );
}

#[test]
fn etl_errors_are_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlhc(&[
        "etl",
        "--config",
        &testdata("etl-bad/config.yaml"),
        &testdata("etl-bad/ragged"),
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: converting "), "{stderr}");
    assert!(
        stderr.trim_end().ends_with("etl-bad/ragged/labs.csv: row 2: has 5 fields, but the header has 4"),
        "{stderr}"
    );
    let bad =
        mlhc(&["etl", "--config", "mimic-v", &testdata("etl-bad/ragged"), dir.path().join("y").to_str().unwrap()]);
    assert_eq!(
        String::from_utf8(bad.stderr).unwrap().trim_end(),
        "error: loading ETL config mimic-v: invalid config: \"mimic-v\" is neither a shipped config (mimic-iv, mimic-iii) nor a file"
    );
}
