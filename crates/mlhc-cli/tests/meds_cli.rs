//! The `mlhc meds` commands, run as a user would.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;
use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

fn demo() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mimic-iv-demo-meds").display().to_string()
}

#[test]
fn inspect_json_summarises_the_bundled_demo() {
    let out = mlhc(&["meds", "inspect", &demo(), "--json", "--top", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // testdata/mimic-iv-demo-meds/README.txt: 100 subjects, 916,166 events; one GENDER row per subject.
    assert_eq!(v["subjects"], 100);
    assert_eq!(v["events"], 916_166);
    assert_eq!(v["static_events"], 100);
    assert_eq!(v["splits"]["train"]["subjects"], 79);
    assert_eq!(v["top_codes"].as_array().unwrap().len(), 3);
    assert_eq!(v["top_codes"][0]["code"], "LAB//227969//UNK");
    assert_eq!(v["top_codes"][0]["events"], 19_330);
    let q = &v["events_per_subject"];
    assert!(q["min"].as_f64().unwrap() <= q["median"].as_f64().unwrap());
}

#[test]
fn validate_passes_on_the_demo_and_fails_with_exit_1_on_float64_values() {
    let out = mlhc(&["meds", "validate", &demo()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.ends_with("valid MEDS (3 shards, 100 subjects, 916166 events, 0 errors, 0 warnings)\n"), "{stdout}");

    let aces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/aces-meds-sample");
    let out = mlhc(&["meds", "validate", aces.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["report"]["counts"]["schema"], 4);
    assert_eq!(
        v["report"]["violations"][0]["message"],
        "column \"numeric_value\" has type Float64, MEDS requires float32"
    );
}

#[test]
fn errors_are_one_line_with_the_path_and_exit_2() {
    let out = mlhc(&["meds", "inspect", "/nonexistent/mlhc-dataset"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: cannot inspect /nonexistent/mlhc-dataset: /nonexistent/mlhc-dataset: not a MEDS dataset: no data/ directory\n"
    );
}
