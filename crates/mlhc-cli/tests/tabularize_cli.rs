//! `mlhc tabularize` on the bundled MIMIC-IV demo, run as a user would.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;
use std::process::Command;

use mlhc_meds::labels::{write_labels, Labels};

#[test]
fn tabularize_writes_features_that_read_back_with_their_labels() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mimic-iv-demo-meds");
    let dir = tempfile::tempdir().unwrap();
    let labels_path = dir.path().join("labels.parquet");
    // Subject 10000032 (train split): a prediction one day after 2180-05-06, and another subject with no
    // events at all.
    let t = mlhc_core::Timestamp::parse("2180-05-07").unwrap().0;
    let labels = Labels {
        subject_id: vec![10000032, 42],
        prediction_time: vec![Some(t), Some(t)],
        boolean_value: vec![Some(true), Some(false)],
        ..Labels::default()
    };
    write_labels(&labels_path, &labels).unwrap();
    let out = dir.path().join("features");
    let run = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(["tabularize", demo.to_str().unwrap(), "--labels", labels_path.to_str().unwrap()])
        .args(["-o", out.to_str().unwrap(), "--windows", "30d,full", "--min-code-count", "5", "--json"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["summary"]["rows"], 2);
    assert_eq!(v["summary"]["rows_without_subject"], 1);

    let t = mlhc_tab::read_features(&out).unwrap();
    let train = t.splits.iter().find(|s| s.split == "train").unwrap();
    assert_eq!(train.rows[0].label, Some(1.0));
    let col = |name: &str| t.space.names.iter().position(|n| n == name).unwrap();
    // Subject 10000032 is female (GENDER//F is a static event in the demo).
    assert_eq!(train.matrix.get(0, col("GENDER//F/static/present")), Some(1.0));
    assert_eq!(train.matrix.get(0, col("MEDS_BIRTH/code/count/full")), Some(1.0));
    let unassigned = t.splits.iter().find(|s| s.split == "unassigned").unwrap();
    assert_eq!(unassigned.matrix.nnz(), 0);
}

#[test]
fn a_bad_window_is_a_one_line_error() {
    let run = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(["tabularize", "x", "--labels", "y", "-o", "z", "--windows", "1y"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "error: invalid window \"1y\": unknown unit; use s, m, h, d or w\n"
    );
}
