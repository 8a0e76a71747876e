//! The pipeline's stages as separate commands: synth → cohort → tabularize → train → evaluate.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn stages_chain_into_a_trained_and_evaluated_model() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    mlhc(&["synth", "--subjects", "600", "--seed", "5", &p("meds")]);
    let task = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml"
    );
    let preds = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml");
    mlhc(&["cohort", "--config", task, "--predicates", preds, &p("meds"), "-o", &p("labels.parquet")]);
    mlhc(&["tabularize", &p("meds"), "--labels", &p("labels.parquet"), "-o", &p("features")]);
    let o = mlhc(&["train", &p("features"), "-o", &p("model.json"), "--c", "0.01,0.1", "--json"]);
    let t: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!([0.01, 0.1].contains(&t["c"].as_f64().unwrap()));
    let o = mlhc(&["evaluate", &p("model.json"), &p("features"), "--split", "train", "--bootstrap", "50", "--json"]);
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // In-sample discrimination of a fitted model is better than chance.
    let auroc = e["auroc"]["value"].as_f64().unwrap();
    assert!(auroc > 0.5 && auroc <= 1.0, "{auroc}");
    assert_eq!(e["n_rows"], t["rows"]);

    // An unknown split is a one-line error naming what exists.
    let bad = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(["train", &p("features"), "-o", &p("m2.json"), "--split", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.starts_with("error: ") && err.contains("no split \"nope\""), "{err}");
}
