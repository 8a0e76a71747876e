//! `mlhc run` (a pipeline from a configuration file) with temporal validation on the bundled demo, and
//! `mlhc report` on its prediction files.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn mlhc(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).current_dir(cwd).output().unwrap()
}

#[test]
fn temporal_pipeline_then_report_on_its_predictions() {
    let dir = tempfile::tempdir().unwrap();
    // The example configuration, switched to temporal validation with a small bootstrap. Its relative
    // paths resolve against the configuration's folder, so it is written beside a copy-free link to
    // the repository: absolute paths here.
    let example = std::fs::read_to_string(format!("{ROOT}/pipelines/mimic-iv-demo-readmission.yaml")).unwrap();
    let cfg_text = example
        .replace("../", &format!("{ROOT}/"))
        .replace("validation: {kind: cross-validation, folds: 5}", "validation: {kind: temporal, cutoff: 2160-01-01}")
        .replace("bootstrap: 1000", "bootstrap: 50");
    assert!(cfg_text.contains("kind: temporal"));
    let cfg = dir.path().join("pipeline.yaml");
    std::fs::write(&cfg, cfg_text).unwrap();
    let out = dir.path().join("run");
    let o = mlhc(&["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().last().unwrap(),
        format!("report: {}", out.join("report.html").display())
    );

    // Test rows are at or after the cutoff and their subjects have no training row.
    let cutoff = mlhc_core::Timestamp::parse("2160-01-01").unwrap().0;
    let labels = mlhc_meds::labels::read_labels(&out.join("labels.parquet")).unwrap();
    let train_subjects: HashSet<i64> = (0..labels.len())
        .filter(|&i| labels.prediction_time[i].unwrap() < cutoff)
        .map(|i| labels.subject_id[i])
        .collect();
    let (test, p) = mlhc_meds::labels::read_predictions(&out.join("predictions_logistic.parquet")).unwrap();
    assert!(!test.is_empty());
    for i in 0..test.len() {
        assert!(test.prediction_time[i].unwrap() >= cutoff);
        assert!(!train_subjects.contains(&test.subject_id[i]), "subject {} in both parts", test.subject_id[i]);
    }
    assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));

    let card: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("model_card.json")).unwrap()).unwrap();
    let splits = card["tripod_ai"]["analysis"]["splits"].as_array().unwrap();
    assert_eq!(splits[1]["name"], "test");
    assert_eq!(splits[1]["rows"], test.len() as u64);
    let model = &card["tripod_ai"]["model_performance"][0];
    let attrs: Vec<&str> =
        model["subgroups"].as_array().unwrap().iter().map(|s| s["attribute"].as_str().unwrap()).collect();
    assert_eq!(attrs, ["sex", "age"]);
    // Age bands read youngest to oldest.
    let bands: Vec<&str> = model["subgroups"][1]["report"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    let order = ["<50", "50–64", "65–79", "≥80", "unknown"];
    let pos: Vec<usize> = bands.iter().map(|b| order.iter().position(|o| o == b).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{bands:?}");

    // `mlhc report` on the same predictions, bootstrap and threshold reproduces the pipeline's numbers.
    let threshold = model["subgroups"][0]["report"]["threshold"].as_f64().unwrap().to_string();
    let rep = dir.path().join("rep");
    let o = mlhc(
        &[
            "report",
            out.join("predictions_logistic.parquet").to_str().unwrap(),
            "--dataset",
            &format!("{ROOT}/testdata/mimic-iv-demo-meds"),
            "--bootstrap",
            "50",
            "--threshold",
            &threshold,
            "--out",
            rep.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let card2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rep.join("model_card.json")).unwrap()).unwrap();
    let m2 = &card2["tripod_ai"]["model_performance"][0];
    assert_eq!(m2["performance"]["auroc"], model["performance"]["auroc"]);
    assert_eq!(m2["performance"]["brier"], model["performance"]["brier"]);
    assert_eq!(m2["subgroups"], model["subgroups"]);
    let html = std::fs::read_to_string(rep.join("report.html")).unwrap();
    assert!(html.contains("id=\"roc\"") && html.contains("AUROC by age"));
}

#[test]
fn configuration_and_report_mistakes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("p.yaml");
    std::fs::write(&cfg, "dataset: meds\ntask: {config: nowhere.yaml}\n").unwrap();
    let o = mlhc(&["run", cfg.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("p.yaml: invalid configuration") && err.contains("nowhere.yaml"), "{err}");

    let o = mlhc(&["report", "missing.parquet"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read predictions missing.parquet"));
    let o = mlhc(&["report", "a.parquet", "--name", "x,y"], dir.path());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--name gives 2 names for 1 prediction files"));
}
