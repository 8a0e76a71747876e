//! `mlhc quickstart` end to end, on a small synthetic cohort so that the test stays fast (the demo run
//! is the README's first command).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::process::Command;

#[test]
fn quickstart_writes_a_report_and_a_model_card_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qs");
    let run = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(["quickstart", "--synthetic", "400", "--bootstrap", "100", "--seed", "3", "--out"])
        .arg(&out)
        // From another working directory: nothing may depend on the current directory.
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    let last = stdout.lines().last().unwrap();
    assert_eq!(last, format!("report: {}", out.join("report.html").display()));

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in ["id=\"roc\"", "id=\"pr\"", "id=\"calibration\"", "id=\"forest-", "id=\"features-"] {
        assert!(html.contains(id), "report lacks {id}");
    }
    let card: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("model_card.json")).unwrap()).unwrap();
    let perf = &card["tripod_ai"]["model_performance"][0]["performance"];
    let auroc = perf["auroc"]["value"].as_f64().unwrap();
    let (lo, hi) = (perf["auroc"]["ci_low"].as_f64().unwrap(), perf["auroc"]["ci_high"].as_f64().unwrap());
    assert!(lo <= auroc && auroc <= hi, "{lo} {auroc} {hi}");
    // The synthetic cohort codes race, so all three default attributes are reported.
    let attrs: Vec<&str> = card["tripod_ai"]["model_performance"][0]["subgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["attribute"].as_str().unwrap())
        .collect();
    assert_eq!(attrs, ["sex", "race", "age"]);
    // Every data file is listed with a SHA-256 content hash.
    let files = card["tripod_ai"]["source_of_data"]["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"] == "metadata/dataset.json"));
    assert!(files.iter().all(|f| f["sha256"].as_str().unwrap().len() == 64));
    for f in [
        "labels.parquet",
        "predictions.csv",
        "model_logistic.json",
        "model_gbdt.json",
        "predictions_gbdt.parquet",
        "features/feature_space.json",
    ] {
        assert!(out.join(f).exists(), "missing {f}");
    }

    // The same seed reproduces the same predictions, bit for bit.
    let again = dir.path().join("qs2");
    let run2 = Command::new(env!("CARGO_BIN_EXE_mlhc"))
        .args(["quickstart", "--synthetic", "400", "--bootstrap", "100", "--seed", "3", "--out"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(run2.status.success());
    assert_eq!(
        std::fs::read(out.join("predictions.csv")).unwrap(),
        std::fs::read(again.join("predictions.csv")).unwrap()
    );

    // External validation: the saved model scores another synthetic "site" with its training features.
    let site = dir.path().join("site2");
    let mlhc = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    };
    mlhc(&["synth", "--subjects", "150", "--seed", "9", site.to_str().unwrap()]);
    let task = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml"
    );
    let preds_cfg =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml");
    let labels = dir.path().join("site2_labels.parquet");
    mlhc(&[
        "cohort",
        "--config",
        task,
        "--predicates",
        preds_cfg,
        site.to_str().unwrap(),
        "-o",
        labels.to_str().unwrap(),
    ]);
    let preds = dir.path().join("preds.parquet");
    let o = mlhc(&[
        "predict",
        out.join("model_logistic.json").to_str().unwrap(),
        site.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "-o",
        preds.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = mlhc_meds::labels::read_labels(&labels).unwrap().len();
    assert!(n > 0);
    assert_eq!(v["rows"], n as u64);
    assert!(preds.exists());
}
