//! `mlhc synth`, run as a user would.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

#[test]
fn synth_json_summary_matches_what_meds_inspect_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("synth");
    let out_dir = out_dir.to_str().unwrap();
    let out = mlhc(&["synth", "--subjects", "120", "--seed", "5", "--subjects-per-shard", "50", "--json", out_dir]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 120 subjects: 96 train (2 shards of 50 and 46), 12 tuning, 12 held out.
    assert_eq!((v["subjects"].as_u64(), v["shards"].as_u64(), v["seed"].as_u64()), (Some(120), Some(4), Some(5)));
    let events = v["events"].as_u64().unwrap();
    assert!(v["events_per_second"].as_f64().unwrap() > 0.0);

    let out = mlhc(&["meds", "inspect", out_dir, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inspect: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspect["events"].as_u64(), Some(events));
    assert_eq!(inspect["subjects"].as_u64(), Some(120));
}

#[test]
fn synth_refuses_bad_arguments_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlhc(&["synth", "--subjects", "0", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "error: invalid subjects: must be at least 1, got 0\n");
}
