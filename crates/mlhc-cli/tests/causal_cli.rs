//! `mlhc causal …`, run as a user would, on NHEFS (Hernán & Robins, *What If*).

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::process::{Command, Output};

const BOOK_MODEL: &str = "sex + race + age + I(age^2) + C(education) + smokeintensity + I(smokeintensity^2) \
     + smokeyrs + I(smokeyrs^2) + C(exercise) + C(active) + wt71 + I(wt71^2)";

fn nhefs() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/causal/nhefs/NHEFS.csv").to_string()
}

fn mlhc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlhc")).args(args).output().expect("the mlhc binary runs")
}

fn causal(cmd: &str, extra: &[&str]) -> Output {
    let data = nhefs();
    let mut args = vec!["causal", cmd, data.as_str(), "--treatment", "qsmk", "--outcome", "wt82_71"];
    args.extend_from_slice(extra);
    mlhc(&args)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn estimate_ipw_json_has_the_stable_keys_and_the_book_estimate() {
    let out = causal(
        "estimate",
        &[
            "--covariates",
            BOOK_MODEL,
            "--drop-missing-outcome",
            "--estimator",
            "ipw",
            "--propensity-lambda",
            "0",
            "--in-sample-propensity",
            "--json",
        ],
    );
    let v = json(&out);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ci_high", "ci_low", "estimand", "estimate", "estimator", "n", "n_dropped", "n_treated", "se"]);
    // statsmodels 0.15.0 GLM propensity + GEE robust SE (bench/causal/golden_nhefs.py): 3.4405354296,
    // CI 2.410587–4.470484; book ch. 12: 3.4 (2.4 to 4.5).
    assert!((v["estimate"].as_f64().unwrap() - 3.4405354296).abs() < 1e-6);
    assert!((v["ci_low"].as_f64().unwrap() - 2.410587).abs() < 1e-5);
    assert!((v["ci_high"].as_f64().unwrap() - 4.470484).abs() < 1e-5);
    assert_eq!((v["n"].as_u64(), v["n_treated"].as_u64(), v["n_dropped"].as_u64()), (Some(1566), Some(403), Some(63)));
    assert_eq!((v["estimand"].as_str(), v["estimator"].as_str()), (Some("ate"), Some("ipw")));
    // By default the propensities are cross-fitted over 5 folds: a different estimate, within half a
    // standard error of the book's.
    let args = ["--covariates", BOOK_MODEL, "--drop-missing-outcome", "--estimator", "ipw", "--propensity-lambda", "0"];
    let cross = json(&causal("estimate", &[&args[..], &["--json"]].concat()));
    let d = (cross["estimate"].as_f64().unwrap() - 3.4405354296).abs();
    assert!(d > 1e-6 && d < 0.5 * v["se"].as_f64().unwrap(), "{cross}");
}

#[test]
fn missing_values_are_errors_naming_the_row_or_column() {
    let out = causal("estimate", &["--covariates", "age + sex", "--estimator", "naive"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: reading {}: outcome \"wt82_71\" is missing at row 44\n", nhefs())
    );
    let out = causal("estimate", &["--covariates", "age + pregnancies", "--drop-missing-outcome"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: reading {}: covariate column \"pregnancies\" has a missing value at row 0\n", nhefs())
    );
    let data = nhefs();
    let out = mlhc(&[
        "causal",
        "estimate",
        &data,
        "--treatment",
        "education",
        "--outcome",
        "wt82_71",
        "--drop-missing-outcome",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: reading {data}: treatment \"education\" at row 1 is 2; a binary treatment (0/1) is required\n")
    );
    let out = causal("estimate", &["--covariates", "age + qsmk", "--drop-missing-outcome"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: reading {}: invalid parameter covariates: the formula uses \"qsmk\", the treatment or outcome column\n",
            nhefs()
        )
    );
    let out = causal("estimate", &["--covariates", "age + I(age^2", "--drop-missing-outcome"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: formula \"age + I(age^2\" at position 13: expected \")\", found the end\n"
    );
}

#[test]
fn cate_out_writes_one_row_per_kept_subject() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cate.csv");
    let out = causal(
        "estimate",
        &[
            "--covariates",
            BOOK_MODEL,
            "--drop-missing-outcome",
            "--estimator",
            "tlearner",
            "--outcome-model",
            "linear",
            "--bootstrap",
            "5",
            "--json",
            "--cate-out",
            path.to_str().unwrap(),
        ],
    );
    let v = json(&out);
    // Per-arm OLS (statsmodels): mean CATE 3.4357990305.
    assert!((v["estimate"].as_f64().unwrap() - 3.4357990305).abs() < 1e-7);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1567);
    assert_eq!(lines[0], "row,cate");
    // Row 44 has no outcome, so the kept rows jump from 43 to 45.
    assert!(lines[44].starts_with("43,") && lines[45].starts_with("45,"), "{}", lines[45]);
    let mean: f64 =
        lines[1..].iter().map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap()).sum::<f64>() / 1566.0;
    assert!((mean - 3.4357990305).abs() < 1e-7);
    let out = causal("estimate", &["--drop-missing-outcome", "--estimator", "ipw", "--cate-out", "x.csv"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--cate-out needs an estimator that predicts per-row effects")
    );
}

#[test]
fn balance_and_sensitivity_report_weights_smds_and_bounds() {
    let common = ["--covariates", BOOK_MODEL, "--drop-missing-outcome", "--propensity-lambda", "0", "--json"];
    let v = json(&causal("balance", &common));
    // Book ch. 12: weights 1.05 to 16.7, stabilized 0.33 to 4.30.
    let o = &v["overlap"];
    assert!((o["weight_range"][0].as_f64().unwrap() - 1.053742).abs() < 1e-5);
    assert!((o["weight_range"][1].as_f64().unwrap() - 16.700094).abs() < 1e-4);
    assert!((o["stabilized_weight_range"][1].as_f64().unwrap() - 4.297662).abs() < 1e-5);
    assert!(v["max_abs_smd_before"].as_f64().unwrap() > 0.25 && v["max_abs_smd_after"].as_f64().unwrap() < 0.1);
    assert_eq!(v["covariates"].as_array().unwrap().len(), 18);

    let mut args = common.to_vec();
    args.extend_from_slice(&["--epsilon", "0,0.1"]);
    let v = json(&causal("sensitivity", &args));
    let est = v["estimate"].as_f64().unwrap();
    let b = v["epsilon_bounds"].as_array().unwrap();
    assert!((b[0]["low"].as_f64().unwrap() - est).abs() < 1e-9 && (b[0]["high"].as_f64().unwrap() - est).abs() < 1e-9);
    assert!(b[1]["low"].as_f64().unwrap() < est && b[1]["high"].as_f64().unwrap() > est);
    assert!(v["evalue"]["point"].as_f64().unwrap() > 1.0);
}

#[test]
fn subgroups_average_back_to_the_aipw_estimate() {
    let common = ["--covariates", BOOK_MODEL, "--drop-missing-outcome", "--outcome-model", "linear", "--json"];
    let overall = json(&causal("estimate", &common));
    let mut args = common.to_vec();
    args.extend_from_slice(&["--by", "sex"]);
    let v = json(&causal("subgroups", &args));
    let groups = v.as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!((groups[0]["group"].as_str(), groups[0]["n"].as_u64()), (Some("0"), Some(762)));
    // Same folds and models: the size-weighted subgroup means are the overall AIPW estimate.
    let pooled: f64 =
        groups.iter().map(|g| g["estimate"].as_f64().unwrap() * g["n"].as_f64().unwrap()).sum::<f64>() / 1566.0;
    assert!((pooled - overall["estimate"].as_f64().unwrap()).abs() < 1e-9);
    for g in groups {
        assert!(g["ci_low"].as_f64().unwrap() < g["estimate"].as_f64().unwrap());
    }
}

#[test]
fn refute_runs_every_refuter_and_the_placebo_effect_vanishes() {
    let v = json(&causal(
        "refute",
        &["--covariates", BOOK_MODEL, "--drop-missing-outcome", "--outcome-model", "linear", "--json"],
    ));
    let r = v.as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["refuter"], "PlaceboTreatment");
    assert_eq!(r[0]["expected"].as_f64(), Some(0.0));
    assert!(r.iter().all(|x| x["passed"].as_bool() == Some(true)), "{v}");
    assert!(r[0]["new_estimate"].as_f64().unwrap().abs() < 1.0);
}

#[test]
fn report_writes_html_with_every_plot_and_the_json_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let out = causal(
        "report",
        &[
            "--covariates",
            BOOK_MODEL,
            "--drop-missing-outcome",
            "--propensity-lambda",
            "0",
            "--outcome-model",
            "linear",
            "--estimators",
            "naive,standardization,ipw,aipw",
            "--bootstrap",
            "30",
            "--epsilon",
            "0.1,0.2",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(out_dir.join("causal_report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    for id in ["forest", "love", "overlap", "sensitivity"] {
        let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("report lacks {id}"));
        assert!(html[at..].trim_start_matches(|c| c != '>').starts_with("><svg"), "{id} holds no SVG");
    }
    // Self-contained: nothing is loaded from elsewhere.
    assert!(!html.contains("src=") && !html.contains("href="));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("causal_report.json")).unwrap()).unwrap();
    let est = |name: &str| v["estimates"].as_array().unwrap().iter().find(|e| e["estimator"] == name).unwrap().clone();
    // Golden as in the estimate test above: unadjusted 2.5406 kg (What If, ch. 12); IP-weighted
    // 3.4405354296 (statsmodels 0.15.0, bench/causal/golden_nhefs.py).
    assert!((est("naive")["estimate"].as_f64().unwrap() - 2.5406).abs() < 5e-5);
    assert!((est("ipw")["estimate"].as_f64().unwrap() - 3.4405354296).abs() < 1e-6);
    assert!((v["sensitivity"]["estimate"].as_f64().unwrap() - 3.4405354296).abs() < 1e-6);
    assert_eq!(v["n"], 1566);
    assert_eq!(v["n_dropped"], 63);
    assert_eq!(v["sensitivity"]["bounds"].as_array().unwrap().len(), 2);
    assert_eq!(v["balance_before"].as_array().unwrap().len(), v["balance_after"].as_array().unwrap().len());
    assert!(v["failed"].as_array().unwrap().is_empty());
    // Every estimate is in the table of the page with its interval.
    for e in v["estimates"].as_array().unwrap() {
        assert!(html.contains(&format!(
            "<td>{}</td><td>{:.4}</td>",
            e["estimator"].as_str().unwrap(),
            e["estimate"].as_f64().unwrap()
        )));
    }
}

#[test]
fn matching_with_m_matches_has_abadie_imbens_standard_errors() {
    let base =
        ["--covariates", BOOK_MODEL, "--drop-missing-outcome", "--estimator", "matching", "--propensity-lambda", "0"];
    let v = json(&causal("estimate", &[&base[..], &["--matches", "4", "--estimand", "att", "--json"]].concat()));
    // bench/causal/golden_matching.py (numpy, Abadie & Imbens 2006 Theorem 7): 3.2611511054, se 0.5811268379.
    assert!((v["estimate"].as_f64().unwrap() - 3.2611511054).abs() < 1e-6, "{v}");
    assert!((v["se"].as_f64().unwrap() - 0.5811268379).abs() < 1e-6, "{v}");
    let out =
        causal("estimate", &[&base[..], &["--matches", "2", "--without-replacement", "--estimand", "att"]].concat());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("matches") && err.lines().count() == 1, "{err}");
}
