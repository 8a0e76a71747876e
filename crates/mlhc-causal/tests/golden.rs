//! Golden numbers on NHEFS (Hernán & Robins, *What If*) and the LaLonde NSW/CPS data.
//!
//! Reference values come from `bench/causal/golden_nhefs.py` (statsmodels 0.15.0, pandas 3.1.1), which
//! fits the same models by maximum likelihood / least squares.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlhc_causal::balance::{overlap, smd_table};
use mlhc_causal::estimate::ipw_weights;
use mlhc_causal::{
    estimate, CausalData, CausalParams, Estimand, Estimator, Formula, Inference, IpwForm, OutcomeModel,
    PropensityFitting, PropensityModel,
};
use mlhc_frame::Frame;

const BOOK_MODEL: &str = "sex + race + age + I(age^2) + C(education) + smokeintensity + I(smokeintensity^2) \
     + smokeyrs + I(smokeyrs^2) + C(exercise) + C(active) + wt71 + I(wt71^2)";

fn testdata(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/causal").join(rel)
}

fn nhefs() -> CausalData {
    let frame = Frame::read(&testdata("nhefs/NHEFS.csv")).unwrap();
    let f = Formula::parse(BOOK_MODEL).unwrap();
    let (data, rows) = CausalData::from_frame(&frame, "qsmk", "wt82_71", Some(&f), true).unwrap();
    assert_eq!(rows.dropped_missing_outcome, 63);
    data
}

fn linear() -> CausalParams {
    CausalParams {
        propensity: PropensityModel::Logistic { lambda: 0.0 },
        outcome: OutcomeModel::Linear { lambda: 0.0 },
        // The book's IPW fits the propensity on all rows.
        ipw_propensity: PropensityFitting::InSample,
        bootstrap: 20,
        ..CausalParams::default()
    }
}

#[test]
fn nhefs_cross_fitted_ipw() {
    let data = nhefs();
    let cross = CausalParams { estimator: Estimator::Ipw, ipw_propensity: PropensityFitting::CrossFitted, ..linear() };
    let est = estimate(&data, &cross).unwrap();
    let book = estimate(&data, &CausalParams { estimator: Estimator::Ipw, ..linear() }).unwrap();
    // Out-of-fold propensities differ from the in-sample ones, and the estimate moves by a fraction of
    // its standard error (in-sample 3.4405, se 0.5255).
    assert_ne!(est.propensity, book.propensity);
    assert!((est.estimate - book.estimate).abs() < 0.5 * book.se, "{} vs {}", est.estimate, book.estimate);
    assert_eq!(est.inference, Inference::InfluenceFunction);
    // Reference: each row's propensity from a maximum-likelihood fit on the other folds (the same
    // seeded folds), recomputed here fold by fold without warm starts.
    let folds = mlhc_learn::cv::subject_folds(&(0..data.n() as i64).collect::<Vec<_>>(), 5, 0).unwrap();
    let e = est.propensity.as_ref().unwrap();
    let p = data.x.n_cols;
    for f in 0..5 {
        let (train, test) = mlhc_learn::cv::fold_rows(&folds, f);
        let tr = data.select(&train);
        let model =
            mlhc_causal::nuisance::fit_propensity(&cross.propensity, &tr.x.values, p, &tr.t_f64(), &data.x.names)
                .unwrap();
        let te = data.select(&test);
        for (k, v) in model.predict(&te.x.values, p).into_iter().enumerate() {
            close(e[test[k]], v.clamp(0.01, 0.99), 1e-6);
        }
    }
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

#[test]
fn nhefs_naive_and_design() {
    let data = nhefs();
    assert_eq!((data.n(), data.n_treated()), (1566, 403));
    // patsy names the same columns (statsmodels formula `C(education)` etc.).
    assert_eq!(data.x.n_cols, 18);
    assert_eq!(
        &data.x.names[4..8],
        &["C(education)[T.2]", "C(education)[T.3]", "C(education)[T.4]", "C(education)[T.5]"]
    );
    let est = estimate(&data, &CausalParams { estimator: Estimator::Naive, ..linear() }).unwrap();
    // Unadjusted difference of mean weight gain, quitters minus non-quitters (issue #8; pandas).
    close(est.estimate, 2.540581454955888, 1e-9);
    assert_eq!(est.inference, Inference::Welch);
}

#[test]
fn nhefs_ipw_matches_the_book() {
    let data = nhefs();
    let est = estimate(&data, &CausalParams { estimator: Estimator::Ipw, ..linear() }).unwrap();
    // statsmodels GLM(Binomial) propensity + GEE(wt82_71 ~ qsmk, weights=w) robust SE: 3.4405354296,
    // se 0.5254935530, CI 2.410587–4.470484 (book ch. 12: 3.4 kg, 95% CI 2.4 to 4.5).
    close(est.estimate, 3.4405354296, 1e-6);
    close(est.se, 0.5254935530, 1e-6);
    close(est.ci_low, 2.410587, 1e-5);
    close(est.ci_high, 4.470484, 1e-5);
    // Weight ranges (book ch. 12: 1.05 to 16.7; stabilized 0.33 to 4.30).
    let e = est.propensity.as_ref().unwrap();
    let w = ipw_weights(e, &data.treatment, Estimand::Ate, false);
    let sw = ipw_weights(e, &data.treatment, Estimand::Ate, true);
    let range = |v: &[f64]| v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (lo, hi) = range(&w);
    close(lo, 1.053742, 1e-5);
    close(hi, 16.700094, 1e-4);
    let (lo, hi) = range(&sw);
    close(lo, 0.331249, 1e-5);
    close(hi, 4.297662, 1e-5);
    let ov = overlap(e, &data.treatment, 0.01, 10);
    assert_eq!((ov.n_below_clip, ov.n_above_clip), (0, 0));
    close(ov.weight_range.1, 16.700094, 1e-4);
    // Maximum likelihood with an intercept: the predicted propensities sum to the number treated.
    let predicted: f64 = ov.calibration.iter().map(|c| c.n as f64 * c.mean_predicted).sum();
    close(predicted, 403.0, 1e-6);
    assert!(ov.calibration_error < 0.05, "{}", ov.calibration_error);
    assert!((0.6..0.8).contains(&ov.auc), "{}", ov.auc);
    // Horvitz–Thompson form: mean(T Y / e) − mean((1 − T) Y / (1 − e)) = 3.4240122801 (numpy).
    let ht = estimate(&data, &CausalParams { estimator: Estimator::Ipw, ipw: IpwForm::HorvitzThompson, ..linear() })
        .unwrap();
    close(ht.estimate, 3.4240122801, 1e-6);
    // Weighting balances the covariates: every |SMD| < 0.1 after, age was 0.28 before.
    let before = smd_table(&data.x, &data.treatment, None);
    let after = smd_table(&data.x, &data.treatment, est.weights.as_deref());
    assert!(before[2].name == "age" && before[2].smd > 0.25);
    assert!(after.iter().all(|s| s.smd.abs() < 0.1), "{after:?}");
    let table: String =
        before.iter().zip(&after).map(|(b, a)| format!("{:<24} {:>8.4} {:>8.4}\n", b.name, b.smd, a.smd)).collect();
    insta::assert_snapshot!("nhefs_smd_before_after_ipw", table);
}

#[test]
fn nhefs_standardization_and_t_learner() {
    let data = nhefs();
    let s = estimate(&data, &CausalParams { estimator: Estimator::Standardization, ..linear() }).unwrap();
    // statsmodels OLS wt82_71 ~ qsmk + <book model>: qsmk coefficient 3.4626218292 (book ch. 13 with the
    // qsmk:smokeintensity interaction: 3.5).
    close(s.estimate, 3.4626218292, 1e-7);
    assert!(s.ci_low < s.estimate && s.estimate < s.ci_high);
    assert_eq!(s.inference, Inference::Bootstrap { replicates: 20 });
    let t = estimate(&data, &CausalParams { estimator: Estimator::TLearner, ..linear() }).unwrap();
    // Per-arm OLS, mean of m1(x) − m0(x): 3.4357990305 over all rows, 3.3930984236 over the treated.
    close(t.estimate, 3.4357990305, 1e-7);
    assert_eq!(t.cate.as_ref().unwrap().len(), 1566);
    let tt =
        estimate(&data, &CausalParams { estimator: Estimator::TLearner, estimand: Estimand::Att, ..linear() }).unwrap();
    close(tt.estimate, 3.3930984236, 1e-7);
}

#[test]
fn nhefs_doubly_robust_estimators_agree_with_the_book() {
    let data = nhefs();
    for estimator in [Estimator::Aipw, Estimator::DrLearner, Estimator::XLearner] {
        let est = estimate(&data, &CausalParams { estimator, ..linear() }).unwrap();
        // Book: 3.4 kg (95% CI 2.4 to 4.5); the in-sample AIPW is 3.3733 (numpy).
        assert!((3.0..3.9).contains(&est.estimate), "{estimator:?}: {}", est.estimate);
        assert!(est.ci_low > 2.0 && est.ci_high < 5.0, "{estimator:?}: {est:?}");
    }
}

#[test]
fn nhefs_matching_abadie_imbens_standard_errors() {
    let data = nhefs();
    // bench/causal/golden_matching.py (numpy 2.4.6, statsmodels 0.15.0): brute-force nearest neighbours
    // on the logit of the ML propensity, with replacement, and the Abadie & Imbens (2006, Theorem 7)
    // variance with J = 1 conditional variances.
    let golden = [
        (1, Estimand::Ate, 3.3436485634, 0.5857001803),
        (1, Estimand::Att, 3.3495583619, 0.6861281599),
        (4, Estimand::Ate, 3.3107945916, 0.5480612513),
        (4, Estimand::Att, 3.2611511054, 0.5811268379),
    ];
    for (m, estimand, value, se) in golden {
        let mut params = CausalParams { estimator: Estimator::Matching, estimand, ..linear() };
        params.matching.matches = m;
        let est = estimate(&data, &params).unwrap();
        close(est.estimate, value, 1e-6);
        close(est.se, se, 1e-6);
        close(est.ci_low, value - 1.959963984540054 * se, 1e-5);
        assert_eq!(est.inference, Inference::AbadieImbens);
        assert_eq!(est.n_unmatched, 0);
    }
    // More than one match needs replacement.
    let mut params = CausalParams { estimator: Estimator::Matching, estimand: Estimand::Att, ..linear() };
    params.matching.matches = 2;
    params.matching.with_replacement = false;
    let err = estimate(&data, &params).unwrap_err().to_string();
    assert!(err.contains("matches"), "{err}");
}

#[test]
fn nhefs_matching_balances_the_treated_and_their_matches() {
    use mlhc_causal::MatchingDistance;
    let data = nhefs();
    let before = smd_table(&data.x, &data.treatment, None);
    let max_abs = |v: &[mlhc_causal::balance::Smd]| v.iter().map(|s| s.smd.abs()).fold(0.0, f64::max);
    for distance in [MatchingDistance::PropensityLogit, MatchingDistance::Mahalanobis] {
        let mut params =
            CausalParams { estimator: Estimator::Matching, estimand: Estimand::Att, bootstrap: 5, ..linear() };
        params.matching.distance = distance;
        params.matching.caliper = Some(0.2);
        let est = estimate(&data, &params).unwrap();
        // Book ch. 12–15 effects are 3.4–3.5 kg; 1:1 matching is noisier.
        assert!((2.0..5.0).contains(&est.estimate), "{distance:?}: {est:?}");
        let w = est.weights.as_deref().unwrap();
        // Every treated row is matched or counted as unmatched.
        let matched = data.treatment.iter().zip(w).filter(|(&t, &w)| t && w > 0.0).count();
        assert_eq!(matched + est.n_unmatched, 403);
        let after = smd_table(&data.x, &data.treatment, Some(w));
        assert!(max_abs(&after) < 0.5 * max_abs(&before), "{distance:?}: {after:?}");
    }
}

fn lalonde() -> CausalData {
    let nsw = Frame::read(&testdata("lalonde/nsw_mixtape.csv")).unwrap();
    let cps = Frame::read(&testdata("lalonde/cps_mixtape.csv")).unwrap();
    // NSW treated + CPS-1 controls, as one table.
    let treated: Vec<usize> =
        (0..nsw.n_rows()).filter(|&i| nsw.numeric("treat").unwrap().get(i) == Some(1.0)).collect();
    let mut csv = String::from("treat,age,educ,black,hisp,marr,nodegree,re74,re75,re78\n");
    for (frame, rows) in [(&nsw, treated), (&cps, (0..cps.n_rows()).collect())] {
        for i in rows {
            let cells: Vec<String> =
                ["treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"]
                    .iter()
                    .map(|c| format!("{}", frame.numeric(c).unwrap().get(i).unwrap()))
                    .collect();
            csv += &cells.join(",");
            csv.push('\n');
        }
    }
    let frame = Frame::from_csv_reader(csv.as_bytes(), b',', "lalonde.csv").unwrap();
    let f = Formula::parse(
        "age + I(age^2) + educ + I(educ^2) + black + hisp + marr + nodegree + re74 + re75 + I(re74^2) + I(re75^2)",
    )
    .unwrap();
    CausalData::from_frame(&frame, "treat", "re78", Some(&f), false).unwrap().0
}

#[test]
fn lalonde_observational_recovery() {
    let data = lalonde();
    assert_eq!((data.n(), data.n_treated()), (16177, 185));
    let naive = estimate(&data, &CausalParams { estimator: Estimator::Naive, ..linear() }).unwrap();
    // causaldata 0.1.5 nsw_mixtape + cps_mixtape: naive −8497.52 against the experimental 1794.34.
    close(naive.estimate, -8497.516142636992, 1e-6);
    let att = CausalParams { estimand: Estimand::Att, clip: 0.0, ..linear() };
    let ipw = estimate(&data, &CausalParams { estimator: Estimator::Ipw, ..att.clone() }).unwrap();
    // statsmodels GLM propensity, Hajek ATT: 1501.695640.
    close(ipw.estimate, 1501.695640, 1e-3);
    assert!(ipw.ci_low < 1794.34 && 1794.34 < ipw.ci_high, "{ipw:?}");
    // The ATE is not identified here (most CPS controls have e ≈ 0): statsmodels Hajek ATE −7804.960393.
    let ate = estimate(&data, &CausalParams { estimator: Estimator::Ipw, clip: 0.0, ..linear() }).unwrap();
    close(ate.estimate, -7804.960393, 1e-3);
    // Trimming to propensities in [0.01, 0.99] keeps the treated and the few comparable controls.
    let trimmed =
        estimate(&data, &CausalParams { estimator: Estimator::Ipw, trim: Some(0.01), ..att.clone() }).unwrap();
    assert_eq!(trimmed.n + trimmed.n_trimmed, 16177);
    assert!(trimmed.n < 2000 && trimmed.n_treated <= 185, "{} rows, {} treated", trimmed.n, trimmed.n_treated);
    let ov = overlap(ipw.propensity.as_ref().unwrap(), &data.treatment, 0.01, 10);
    // Poor overlap: most CPS controls have propensities near 0.
    assert!(ov.auc > 0.95 && ov.control.median < 0.001, "{ov:?}");
}
