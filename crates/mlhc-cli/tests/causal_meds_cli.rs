//! A causal task from MEDS, end to end as a user runs it: `mlhc synth` → two `mlhc cohort` tasks with
//! the same prediction times (treatment: an ICU stay during the hospitalization; outcome: 30-day
//! readmission, MEDS-DEV) → `mlhc tabularize` → `mlhc causal estimate --features …`.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::Path;
use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let o = mlhc(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn causal_estimate_on_tabularized_meds_features_and_two_cohort_labels() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let predicates = root.join("meds-dev-tasks/datasets/MIMIC-IV/predicates.yaml");
    let outcome_task = root.join("meds-dev-tasks/tasks/readmission/general_hospital/30d.yaml");
    let treatment_task = root.join("causal/meds/icu_during_stay.yaml");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("meds");
    let (t_labels, y_labels, features) =
        (dir.path().join("t.parquet"), dir.path().join("y.parquet"), dir.path().join("features"));
    ok(&["synth", "--subjects", "300", "--seed", "1", p(&data)]);
    for (task, out) in [(&treatment_task, &t_labels), (&outcome_task, &y_labels)] {
        ok(&["cohort", "--config", p(task), "--predicates", p(&predicates), p(&data), "-o", p(out)]);
    }
    // Covariates at the outcome task's prediction times (the discharges), from events up to then; a
    // small feature space for ~270 rows.
    ok(&["tabularize", p(&data), "--labels", p(&y_labels), "-o", p(&features)]
        .into_iter()
        .chain(["--windows", "full", "--min-code-count", "5000"])
        .collect::<Vec<_>>());
    let n_t = mlhc_meds::labels::read_labels(&t_labels).unwrap().len();
    let n_y = mlhc_meds::labels::read_labels(&y_labels).unwrap().len();
    // The treatment task keeps discharges that the outcome task excludes (no follow-up after 30 days).
    assert!(n_t > n_y && n_y > 100, "{n_t} {n_y}");

    let meds_args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["causal", "estimate", "--features", p(&features), "--treatment-labels", p(&t_labels)]
            .map(String::from)
            .into();
        v.extend(["--outcome-labels", p(&y_labels)].map(String::from));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&str]| {
        let args = meds_args(extra);
        mlhc(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // Rows that do not join are an error that counts them, not a silent drop.
    let strict = run(&["--json"]);
    assert_eq!(strict.status.code(), Some(2));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains(&format!("{} treatment and 0 outcome labels have no feature row", n_t - n_y)), "{err}");

    let o = run(&["--inner-join", "--estimator", "aipw", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["n"], n_y as u64);
    assert_eq!(v["join"]["joined"], n_y as u64);
    assert_eq!(v["join"]["treatment_without_features"], (n_t - n_y) as u64);
    assert_eq!(v["join"]["features_without_treatment"], 0);
    let (est, lo, hi) =
        (v["estimate"].as_f64().unwrap(), v["ci_low"].as_f64().unwrap(), v["ci_high"].as_f64().unwrap());
    // A risk difference of a binary outcome, with an interval around it.
    assert!(lo < est && est < hi && -1.0 < lo && hi < 1.0, "{v}");
    let n_treated = v["n_treated"].as_u64().unwrap();
    assert!(0 < n_treated && n_treated < n_y as u64);

    // One split: labels of the other splits' rows are left out and counted, not reported as unjoined.
    let train = mlhc_tab::read_features(&features).unwrap().splits.into_iter().find(|s| s.split == "train").unwrap();
    let n_train = train.rows.len();
    let o = run(&["--inner-join", "--split", "train", "--estimator", "ipw", "--json"]);
    let sv: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sv["n"], n_train as u64);
    assert_eq!(sv["join"]["labels_in_other_splits"], 2 * (n_y - n_train) as u64);
    assert_eq!(sv["join"]["outcome_without_features"], 0);
    assert_eq!(sv["join"]["treatment_without_features"], (n_t - n_y) as u64);

    // The naive difference on the joined rows equals the difference of the label means.
    let naive = run(&["--inner-join", "--estimator", "naive", "--json"]);
    let nv: serde_json::Value = serde_json::from_slice(&naive.stdout).unwrap();
    let t = mlhc_meds::labels::read_labels(&t_labels).unwrap();
    let y = mlhc_meds::labels::read_labels(&y_labels).unwrap();
    let treated: std::collections::HashMap<(i64, Option<i64>), bool> =
        (0..t.len()).map(|i| ((t.subject_id[i], t.prediction_time[i]), t.boolean_value[i].unwrap())).collect();
    let (mut s, mut c) = ([0.0; 2], [0.0; 2]);
    for i in 0..y.len() {
        let arm = usize::from(treated[&(y.subject_id[i], y.prediction_time[i])]);
        s[arm] += f64::from(u8::from(y.boolean_value[i].unwrap()));
        c[arm] += 1.0;
    }
    let expected = s[1] / c[1] - s[0] / c[0];
    assert!((nv["estimate"].as_f64().unwrap() - expected).abs() < 1e-12, "{nv} vs {expected}");
    assert_eq!(nv["n_treated"].as_f64().unwrap(), c[1]);

    // Per-row effects are keyed by (subject_id, prediction_time).
    let cate = dir.path().join("cate.csv");
    let o = run(&["--inner-join", "--estimator", "tlearner", "--bootstrap", "20", "--cate-out", p(&cate)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&cate).unwrap();
    assert!(text.starts_with("subject_id,prediction_time,cate\n"));
    assert_eq!(text.lines().count(), n_y + 1);

    // The report from the same MEDS task, with the join's counts in its JSON.
    let report = dir.path().join("report");
    let args = ["causal", "report", "--features", p(&features), "--treatment-labels", p(&t_labels), "--outcome-labels"];
    let o = mlhc(
        &args
            .into_iter()
            .chain([p(&y_labels), "--inner-join", "--estimators", "naive,ipw,aipw", "--out", p(&report)])
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(report.join("causal_report.html")).unwrap();
    for id in ["forest", "love", "overlap", "sensitivity"] {
        assert!(html.contains(&format!("id=\"{id}\"><svg")), "report lacks {id}");
    }
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("causal_report.json")).unwrap()).unwrap();
    assert_eq!(r["join"]["treatment_without_features"], (n_t - n_y) as u64);
    assert!(html.contains(&format!("{} treatment and 0 outcome labels without a feature row", n_t - n_y)));
    assert_eq!(r["estimates"][0]["estimate"], nv["estimate"]);

    // Subgroups by a covariate column (an indicator of an unobserved value), covering every row.
    let names: Vec<&str> =
        r["balance_before"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    let by = names.iter().find(|n| n.contains("/value/absent/")).unwrap();
    let sub = ["causal", "subgroups", "--features", p(&features), "--treatment-labels", p(&t_labels)];
    let o = mlhc(
        &sub.into_iter()
            .chain(["--outcome-labels", p(&y_labels), "--inner-join", "--by", by, "--json"])
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let groups: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total: u64 = groups.as_array().unwrap().iter().map(|g| g["n"].as_u64().unwrap()).sum();
    assert_eq!(total, n_y as u64);
    let o = mlhc(
        &sub.into_iter().chain(["--outcome-labels", p(&y_labels), "--inner-join", "--by", "nope"]).collect::<Vec<_>>(),
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a covariate column"));

    // The table input options do not mix with the MEDS ones.
    let mixed = run(&["--treatment", "t"]);
    assert_eq!(mixed.status.code(), Some(2));
}
