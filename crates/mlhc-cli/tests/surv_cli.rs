//! The `mlhc surv` commands, run as a user would, on the bundled lifelines datasets.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;
use std::process::{Command, Output};

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/survival").join(name).display().to_string()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn cox_json_has_the_stable_keys_and_lifelines_numbers() {
    let v = json(&mlhc(&["surv", "cox", &data("rossi.csv"), "--duration", "week", "--event", "arrest", "--json"]));
    // lifelines 0.30.3 CoxPHFitter().fit(rossi, "week", "arrest") (REFERENCE_RESULTS.txt)
    assert!((v["concordance"].as_f64().unwrap() - 0.640_329).abs() < 1e-6);
    assert!((v["log_likelihood"].as_f64().unwrap() - -658.747_659).abs() < 1e-6);
    assert_eq!((v["n"].as_u64(), v["n_events"].as_u64()), (Some(432), Some(114)));
    let coefs = v["coefficients"].as_array().unwrap();
    let names: Vec<&str> = coefs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["fin", "age", "race", "wexp", "mar", "paro", "prio"]);
    let fin = &coefs[0];
    for key in ["name", "coef", "se", "z", "p", "ci_low", "ci_high"] {
        assert!(fin.get(key).is_some(), "missing {key}");
    }
    assert!((fin["coef"].as_f64().unwrap() - -0.379_422).abs() < 1e-6);
    assert!((fin["se"].as_f64().unwrap() - 0.191_379).abs() < 1e-6);
    assert!((fin["p"].as_f64().unwrap() - 0.047_416).abs() < 1e-6);
    // The Wald interval for β at 95%: β ± Φ⁻¹(0.975)·se.
    let (coef, se) = (fin["coef"].as_f64().unwrap(), fin["se"].as_f64().unwrap());
    assert!((fin["ci_low"].as_f64().unwrap() - (coef - 1.959_963_984_540_054 * se)).abs() < 1e-12);
    assert!((fin["ci_high"].as_f64().unwrap() - (coef + 1.959_963_984_540_054 * se)).abs() < 1e-12);
}

#[test]
fn cox_one_hot_text_covariates_and_boolean_events() {
    // rossi with race as text and the event as true/false.
    let src = std::fs::read_to_string(data("rossi.csv")).unwrap();
    let mut csv = String::new();
    for (i, line) in src.lines().enumerate() {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        if i > 0 {
            cells[1] = if cells[1] == "1" { "true".into() } else { "false".into() };
            cells[4] = if cells[4] == "1" { "black".into() } else { "other".into() };
        }
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rossi_text.csv");
    std::fs::write(&path, csv).unwrap();
    let p = path.display().to_string();
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &p,
        "--duration",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,prio",
        "--json",
    ]));
    let coefs = v["coefficients"].as_array().unwrap();
    // race: black (=1 in rossi) is the reference level, so the dummy is "other" = 1 − race.
    assert_eq!(coefs[2]["name"], "race[T.other]");
    let numeric = json(&mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,prio",
        "--json",
    ]));
    let a = coefs[2]["coef"].as_f64().unwrap();
    let b = numeric["coefficients"][2]["coef"].as_f64().unwrap();
    assert!((a + b).abs() < 1e-9, "{a} vs {b}");
    // The same model in two codings: equal likelihoods up to rounding in the standardized covariates.
    let (la, lb) = (v["log_likelihood"].as_f64().unwrap(), numeric["log_likelihood"].as_f64().unwrap());
    assert!((la - lb).abs() <= 1e-12 * la.abs(), "{la} vs {lb}");
}

#[test]
fn km_reports_survival_intervals_and_medians_per_group() {
    let v = json(&mlhc(&[
        "surv",
        "km",
        &data("waltons_dataset.csv"),
        "--duration",
        "T",
        "--event",
        "E",
        "--group",
        "group",
        "--at",
        "20,60",
        "--json",
    ]));
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    // lifelines 0.30.3: KM waltons control median 58 (CI 56..60), miR-137 median 26 (CI 19..29)
    assert_eq!(groups[0]["group"], "control");
    assert_eq!((groups[0]["median"].as_f64(), groups[0]["median_ci_low"].as_f64()), (Some(58.0), Some(56.0)));
    assert_eq!(groups[1]["group"], "miR-137");
    assert_eq!(groups[1]["median"].as_f64(), Some(26.0));
    let at = groups[1]["at"].as_array().unwrap();
    assert_eq!(at[0]["time"].as_f64(), Some(20.0));
    let s = at[0]["survival"].as_f64().unwrap();
    assert!(at[0]["ci_low"].as_f64().unwrap() < s && s < at[0]["ci_high"].as_f64().unwrap());

    let v = json(&mlhc(&[
        "surv",
        "km",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--at",
        "52",
        "--rmst",
        "52",
        "--json",
    ]));
    // lifelines restricted_mean_survival_time(kmf, t=52) = 45.85416666666665
    assert!((v["groups"][0]["rmst"]["estimate"].as_f64().unwrap() - 45.854_166_666_666_65).abs() < 1e-9);
    // lifelines NelsonAalenFitter().fit(rossi.week, rossi.arrest).cumulative_hazard_at_times([52]) = 0.3059596634
    assert!((v["groups"][0]["at"][0]["cumulative_hazard"].as_f64().unwrap() - 0.305_959_663_4).abs() < 1e-9);
    // lifelines: KM rossi S(52) = 0.736111
    assert!((v["groups"][0]["at"][0]["survival"].as_f64().unwrap() - 0.736_111).abs() < 1e-6);
    assert!(v["groups"][0]["median"].is_null());
}

#[test]
fn logrank_waltons() {
    let v = json(&mlhc(&[
        "surv",
        "logrank",
        &data("waltons_dataset.csv"),
        "--duration",
        "T",
        "--event",
        "E",
        "--group",
        "group",
        "--json",
    ]));
    // lifelines 0.30.3 logrank_test: test_statistic 122.249126, p 2.0359832e-28
    assert!((v["statistic"].as_f64().unwrap() - 122.249_126).abs() < 1e-6);
    assert!((v["p"].as_f64().unwrap() / 2.035_983_2e-28 - 1.0).abs() < 1e-6);
    assert_eq!(v["df"], 1);
}

#[test]
fn bad_input_is_one_line_naming_column_and_row() {
    let out = mlhc(&[
        "surv",
        "cox",
        &data("lung.csv"),
        "--duration",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,ph.ecog",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column \"ph.ecog\", row 13: missing value"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // With --dropna the row is dropped and counted.
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &data("lung.csv"),
        "--duration",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,ph.ecog",
        "--dropna",
        "--json",
    ]));
    assert_eq!((v["n"].as_u64(), v["n_dropped"].as_u64()), (Some(227), Some(1)));

    let out =
        mlhc(&["surv", "cox", &data("rossi.csv"), "--duration", "week", "--event", "arrest", "--covariates", "nope"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"nope\""));
}

#[test]
fn aft_weibull_rossi() {
    let v = json(&mlhc(&["surv", "aft", &data("rossi.csv"), "--duration", "week", "--event", "arrest", "--json"]));
    // lifelines 0.30.3 WeibullAFTFitter().fit(rossi, "week", "arrest"): log-likelihood -679.916564,
    // rho_ Intercept 0.339103 (se 0.089027), lambda_ Intercept 3.990123
    assert!((v["log_likelihood"].as_f64().unwrap() - -679.916_564).abs() < 1e-6);
    let coefs = v["coefficients"].as_array().unwrap();
    let rho = coefs.last().unwrap();
    assert_eq!((rho["param"].as_str(), rho["name"].as_str()), (Some("rho_"), Some("Intercept")));
    assert!((rho["coef"].as_f64().unwrap() - 0.339_103).abs() < 2e-5);
    assert!((coefs[7]["coef"].as_f64().unwrap() - 3.990_123).abs() < 2e-5);
    assert_eq!(v["family"], "weibull");
}

#[test]
fn evaluate_support2_holdout() {
    let v = json(&mlhc(&[
        "surv",
        "evaluate",
        &data("support2_cc.csv.gz"),
        "--duration",
        "d.time",
        "--event",
        "death",
        "--covariates",
        "age,sex,num.co,diabetes,dementia,ca,meanbp,hrt,resp,temp,wblc,sod,crea",
        "--split-column",
        "split",
        "--brier-grid",
        "30:1800:30",
        "--auc-times",
        "365,730,1095",
        "--json",
    ]));
    // bench/survival/golden_support2.py: lifelines concordance_index, sksurv concordance_index_ipcw,
    // integrated_brier_score (step survival), cumulative_dynamic_auc
    assert_eq!((v["n_train"].as_u64(), v["n_test"].as_u64()), (Some(6211), Some(2662)));
    assert!((v["harrell_c"].as_f64().unwrap() - 0.602_255_225_558).abs() < 1e-9);
    assert!((v["uno_c"].as_f64().unwrap() - 0.605_125_137_416).abs() < 1e-9);
    assert!((v["brier"]["integrated"].as_f64().unwrap() - 0.192_645_230_933).abs() < 1e-9);
    assert_eq!(v["brier"]["times"].as_array().unwrap().len(), 60);
    assert!((v["auc"]["mean_auc"].as_f64().unwrap() - 0.684_837_406_209).abs() < 1e-9);

    // A seeded random split is reproducible.
    let args = [
        "surv",
        "evaluate",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--seed",
        "3",
        "--uno-tau",
        "50",
        "--json",
    ];
    let (a, b) = (json(&mlhc(&args)), json(&mlhc(&args)));
    assert_eq!(a, b);
    assert_eq!(a["n_test"].as_u64(), Some(130));
}

#[test]
fn cox_streams_predicted_survival_to_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("curves.csv");
    let o = out.display().to_string();
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--predict-times",
        "10:52:42",
        "--predict-out",
        &o,
        "--chunk-rows",
        "100",
        "--json",
    ]));
    assert_eq!(v["n"], 432);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 433);
    assert_eq!(lines[0], "row,S(10),S(52)");
    // lifelines 0.30.3 cph.predict_survival_function(rossi.iloc[:2], times=[52]): 0.7156993141, 0.4121809293
    let s52: Vec<f64> = lines[1..3].iter().map(|l| l.split(',').nth(2).unwrap().parse().unwrap()).collect();
    assert!((s52[0] - 0.715_699_314_1).abs() < 1e-8 && (s52[1] - 0.412_180_929_3).abs() < 1e-8, "{s52:?}");
    assert!(lines[432].starts_with("431,"));
    assert!(!dir.path().join("curves.csv.tmp").exists());
}

#[test]
fn cox_ph_test_in_json() {
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--ph-test",
        "km",
        "--json",
    ]));
    // lifelines 0.30.3 proportional_hazard_test(cph, rossi, time_transform="km"): age 11.030294 (p 0.000896)
    let age = &v["ph_test"]["tests"][1];
    assert_eq!(age["name"], "age");
    assert!((age["statistic"].as_f64().unwrap() - 11.030_294).abs() < 1e-6);
    assert_eq!(v["ph_test"]["transform"], "kaplanmeier");
}

#[test]
fn cox_start_stop_with_subject_clusters() {
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &data("stanford_heart.csv"),
        "--duration",
        "stop",
        "--event",
        "event",
        "--entry",
        "start",
        "--covariates",
        "age,year,surgery,transplant",
        "--cluster",
        "id",
        "--json",
    ]));
    // lifelines 0.30.3 CoxTimeVaryingFitter on stanford_heart: age 0.027167, log-likelihood -290.565616
    assert!((v["coefficients"][0]["coef"].as_f64().unwrap() - 0.027_167).abs() < 1e-6);
    assert!((v["log_likelihood"].as_f64().unwrap() - -290.565_616).abs() < 1e-6);
    assert!(v["concordance"].is_null());
    assert_eq!(v["robust"], true);
}

#[test]
fn cox_lasso_gives_exact_zeros() {
    let v = json(&mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--ties",
        "breslow",
        "--penalizer",
        "0.05",
        "--l1-ratio",
        "1",
        "--json",
    ]));
    // scikit-survival 0.23.1 CoxnetSurvivalAnalysis(alphas=[0.05], l1_ratio=1) on standardized rossi keeps
    // age, wexp and prio only.
    let zero: Vec<bool> =
        v["coefficients"].as_array().unwrap().iter().map(|c| c["coef"].as_f64() == Some(0.0)).collect();
    assert_eq!(zero, [true, false, true, false, true, true, false]);
    assert!(v["coefficients"][0]["se"].is_null());
}

#[test]
fn cox_predicts_for_a_new_table() {
    let dir = tempfile::tempdir().unwrap();
    // The first two rossi rows as "new" subjects.
    let src = std::fs::read_to_string(data("rossi.csv")).unwrap();
    let new = dir.path().join("new.csv");
    std::fs::write(&new, src.lines().take(3).collect::<Vec<_>>().join("\n")).unwrap();
    let out = dir.path().join("curves.csv");
    let (n, o) = (new.display().to_string(), out.display().to_string());
    json(&mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--predict-times",
        "52",
        "--predict-data",
        &n,
        "--predict-out",
        &o,
        "--json",
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    // lifelines 0.30.3 cph.predict_survival_function(rossi.iloc[:2], times=[52]): 0.7156993141, 0.4121809293
    let s: Vec<f64> = text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert_eq!(s.len(), 2);
    assert!((s[0] - 0.715_699_314_1).abs() < 1e-8 && (s[1] - 0.412_180_929_3).abs() < 1e-8, "{s:?}");
    // A table whose text levels differ is refused.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "fin,age,race,wexp,mar,paro,prio\n0,27,x,0,0,1,3\n").unwrap();
    let b = bad.display().to_string();
    let r = mlhc(&[
        "surv",
        "cox",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--predict-times",
        "52",
        "--predict-data",
        &b,
        "--predict-out",
        &o,
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("text levels must match"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn rsf_scores_rows_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("risk.csv");
    let o = out.display().to_string();
    let args = [
        "surv",
        "rsf",
        &data("rossi.csv"),
        "--duration",
        "week",
        "--event",
        "arrest",
        "--trees",
        "20",
        "--seed",
        "4",
        "--risk-out",
        &o,
        "--json",
    ];
    let v = json(&mlhc(&args));
    assert_eq!((v["n"].as_u64(), v["n_scored"].as_u64(), v["trees"].as_u64()), (Some(432), Some(432), Some(20)));
    // In-sample, a forest ranks far better than chance (the Cox model reaches 0.64 on rossi).
    assert!(v["train_concordance"].as_f64().unwrap() > 0.7, "{v}");
    let first = std::fs::read_to_string(&out).unwrap();
    assert_eq!(first.lines().count(), 433);
    json(&mlhc(&args));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

#[test]
fn report_draws_km_curves_by_group_and_calibration_deciles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rep");
    let args = ["surv", "report", &data("rossi.csv"), "--duration", "week", "--event", "arrest", "--group", "fin"];
    let o = mlhc(&args.into_iter().chain(["--horizon", "52", "--out", out.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("survival_report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 2);
    // One curve and one band per group (fin = 0, 1), one point per risk decile.
    assert_eq!(html.matches(r#"class="km-curve""#).count(), 2);
    assert_eq!(html.matches(r#"class="km-band""#).count(), 2);
    assert_eq!(html.matches(r#"class="cal-point""#).count(), 10);
    assert!(html.contains("fin = 0 (n 216, events 66") && html.contains("fin = 1 (n 216, events 48"), "{html}");
    // Without --horizon, no calibration plot.
    let o = mlhc(&args.into_iter().chain(["--out", out.to_str().unwrap()]).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("survival_report.html")).unwrap();
    assert_eq!((html.matches("<svg").count(), html.matches("cal-point").count()), (1, 0));
}
