//! A survival task on MEDS, end to end as a user runs it: `mlhc synth` → `mlhc surv labels` (index:
//! the first hospital discharge; event: death within 365 days) → `mlhc tabularize` at the label
//! prediction times → `mlhc surv cox|evaluate --features … --labels …`.

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

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&ok(args).stdout).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn cox_and_evaluate_on_tabularized_meds_with_survival_labels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("meds");
    let (labels, other, features) =
        (dir.path().join("l.parquet"), dir.path().join("adm.parquet"), dir.path().join("features"));
    ok(&["synth", "--subjects", "300", "--seed", "1", p(&data)]);
    let label_args = |index: &str, out: &Path| -> serde_json::Value {
        json(&[
            "surv",
            "labels",
            p(&data),
            "--index-code",
            index,
            "--event-code",
            "MEDS_DEATH",
            "--horizon",
            "365",
            "-o",
            p(out),
            "--json",
        ])
    };
    let s = &label_args("HOSPITAL_DISCHARGE//*", &labels)["summary"];
    let n = s["labels"].as_u64().unwrap();
    // Every subject is labelled or counted; every label is an event or censored.
    assert_eq!(n + s["no_index"].as_u64().unwrap() + s["prior_event"].as_u64().unwrap(), 300);
    let events = s["events"].as_u64().unwrap();
    let censored = s["censored_at_horizon"].as_u64().unwrap() + s["censored_at_last_event"].as_u64().unwrap();
    assert_eq!(events + censored, n);
    // In-hospital deaths have their death at the first discharge: not at risk, counted. The counts and
    // every label value agree with an independent pandas 2.3.3 computation
    // (bench/survival/meds_check.py, run on this synth cohort).
    let counts = ["labels", "events", "censored_at_horizon", "censored_at_last_event", "no_index", "prior_event"]
        .map(|k| s[k].as_u64().unwrap());
    assert_eq!(counts, [292, 18, 79, 195, 0, 8], "{s}");
    let l = mlhc_meds::labels::read_labels(&labels).unwrap();
    assert_eq!(l.len() as u64, n);
    for i in 0..l.len() {
        let (d, e) = (l.float_value[i].unwrap(), l.boolean_value[i].unwrap());
        assert!((0.0..=365.0).contains(&d), "row {i}: {d}");
        // Only censored rows sit exactly at the horizon.
        assert!(!(e && d == 365.0));
    }
    assert_eq!(l.boolean_value.iter().filter(|b| **b == Some(true)).count() as u64, events);

    ok(&["tabularize", p(&data), "--labels", p(&labels), "-o", p(&features), "--windows", "full"]
        .into_iter()
        .chain(["--min-code-count", "50"])
        .collect::<Vec<_>>());
    let f = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["surv", "cox", "--features", p(&features), "--labels", p(&labels)].map(String::from).into();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: Vec<String>| mlhc(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // Complementary one-hot codes (GENDER//F, GENDER//M) make the unpenalized fit singular: named.
    let o = run(f(&["--split", "train", "--json"]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("collinear"), "{}", String::from_utf8_lossy(&o.stderr));

    let o = run(f(&["--split", "train", "--min-nonzero", "30", "--penalizer", "0.1", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let j = &v["join"];
    let train = v["n"].as_u64().unwrap();
    assert!(train > 150 && train < n, "{v}");
    assert_eq!(j["joined"], train);
    assert_eq!(j["labels_in_other_splits"], n - train);
    assert_eq!((j["features_without_label"].as_u64(), j["labels_without_features"].as_u64()), (Some(0), Some(0)));
    let total = j["columns_total"].as_u64().unwrap();
    let kept = j["columns_kept"].as_u64().unwrap();
    let dropped = ["columns_rare", "columns_constant", "columns_duplicate"].map(|k| j[k].as_u64().unwrap());
    assert_eq!(kept + dropped.iter().sum::<u64>(), total);
    assert!(dropped[0] > 0 && dropped[2] > 0 && kept > 10, "{j}");
    assert_eq!(v["coefficients"].as_array().unwrap().len() as u64, kept);
    // lifelines 0.30.3 CoxPHFitter(penalizer=0.1) on the same joined rows and selected columns
    // (bench/survival/meds_check.py): 127 columns, 234 rows, 14 events; every coefficient within 1.3e-8.
    assert_eq!((kept, train, v["n_events"].as_u64().unwrap()), (127, 234, 14));
    let coef = |name: &str| {
        v["coefficients"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["coef"].as_f64().unwrap()
    };
    assert!((coef("DIAGNOSIS//ICD//10//E785/code/count/full") - 0.938_532_08).abs() < 1e-6);
    assert!((coef("GENDER//F/static/present") - 0.085_503_50).abs() < 1e-6);
    assert!(v["log_likelihood"].as_f64().unwrap() > v["log_likelihood_null"].as_f64().unwrap());

    // Too many columns for a dense fit and no penalty: a clear error instead of an O(n·p²) crawl.
    let o = run(f(&["--min-nonzero", "1", "--max-columns", "20"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("feature columns remain"), "{o:?}");
    // With a penalty, the wide design fits sparse by coordinate descent, with exact zeros.
    let o = run(f(&["--min-nonzero", "1", "--max-columns", "20", "--penalizer", "0.05", "--l1-ratio", "1", "--json"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let w: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(w["solver"], "coordinate_descent");
    assert_eq!(w["n"].as_u64().unwrap(), n);
    let (cols, nz) = (w["n_columns"].as_u64().unwrap(), w["n_nonzero"].as_u64().unwrap());
    assert_eq!(cols, w["join"]["columns_kept"].as_u64().unwrap());
    assert!(cols > kept && nz > 0 && nz < cols, "{w}");
    assert_eq!(w["coefficients"].as_array().unwrap().len() as u64, nz);
    assert!(w["coefficients"].as_array().unwrap().iter().all(|c| c["coef"].as_f64().unwrap() != 0.0));
    let cw = w["concordance"].as_f64().unwrap();
    assert!(cw > 0.5 && cw <= 1.0, "{w}");
    assert_eq!(w["ties"], "breslow");
    // An explicit --ties efron fits Efron's likelihood on the wide path too.
    let o = run(f(&[
        "--min-nonzero",
        "1",
        "--max-columns",
        "20",
        "--penalizer",
        "0.05",
        "--l1-ratio",
        "1",
        "--ties",
        "efron",
        "--json",
    ]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let we: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(we["ties"], "efron");
    assert_eq!(we["n"], w["n"]);
    // No two events share a time in these labels, so Efron's and Breslow's likelihoods coincide.
    assert!((we["log_likelihood"].as_f64().unwrap() - w["log_likelihood"].as_f64().unwrap()).abs() < 1e-9);
    // Options of the dense fit are refused on the wide path.
    let o = run(f(&["--min-nonzero", "1", "--max-columns", "20", "--penalizer", "0.02", "--robust"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wide (coordinate-descent)"), "{o:?}");

    // Labels at other prediction times (first admissions) do not join: counted, an error.
    let s2 = &label_args("HOSPITAL_ADMISSION//*", &other)["summary"];
    let n2 = s2["labels"].as_u64().unwrap();
    let o = mlhc(&["surv", "cox", "--features", p(&features), "--labels", p(&other), "--penalizer", "0.1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{n} feature rows have no survival label and {n2} survival labels have no feature row")),
        "{err}"
    );

    // Hold-out evaluation: the held_out split is the test set.
    let e = json(
        &["surv", "evaluate", "--features", p(&features), "--labels", p(&labels), "--min-nonzero", "30"]
            .into_iter()
            .chain(["--penalizer", "0.1", "--json"])
            .collect::<Vec<_>>(),
    );
    let n_test = e["n_test"].as_u64().unwrap();
    assert_eq!(e["n_train"].as_u64().unwrap() + n_test, n);
    assert!(n_test > 0 && n_test < n - train, "{e}");
    let c = e["harrell_c"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c), "{e}");
}
