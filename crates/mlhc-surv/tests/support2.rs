//! SUPPORT2 hold-out checks against lifelines 0.30.3 and scikit-survival 0.23.1.
//!
//! Data: `testdata/survival/support2_cc.csv.gz` (complete cases of issue 5's columns with a 70/30
//! split drawn by numpy `default_rng(0)`; `bench/survival/make_support2.py`). Reference values:
//! `bench/survival/golden_support2.py`.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;

use mlhc_frame::Frame;
use mlhc_surv::{holdout, AftParams, CoxParams, EvalSpec, Model, Roles, SurvivalTable};

const COVARIATES: [&str; 13] =
    ["age", "sex", "num.co", "diabetes", "dementia", "ca", "meanbp", "hrt", "resp", "temp", "wblc", "sod", "crea"];

fn support2() -> (SurvivalTable, Vec<bool>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/survival/support2_cc.csv.gz");
    let frame = Frame::read(&path).unwrap();
    let roles = Roles {
        duration: "d.time".into(),
        event: "death".into(),
        covariates: Some(COVARIATES.iter().map(|s| s.to_string()).collect()),
        ..Roles::default()
    };
    let table = SurvivalTable::from_frame(&frame, &roles).unwrap();
    let split = mlhc_surv::labels(&frame, "split").unwrap();
    let test_code = split.levels.iter().position(|l| l == "test").unwrap();
    let is_test = split.codes.iter().map(|&c| c == test_code).collect();
    (table, is_test)
}

fn spec() -> EvalSpec {
    EvalSpec {
        brier_times: (1..=60).map(|k| 30.0 * k as f64).collect(),
        auc_times: vec![365.0, 730.0, 1095.0],
        ..EvalSpec::default()
    }
}

#[test]
fn cox_holdout_matches_lifelines_and_scikit_survival() {
    let (table, is_test) = support2();
    assert_eq!(table.n_rows(), 8873);
    assert_eq!(
        table.names,
        [
            "age",
            "sex[T.male]",
            "num.co",
            "diabetes",
            "dementia",
            "ca[T.no]",
            "ca[T.yes]",
            "meanbp",
            "hrt",
            "resp",
            "temp",
            "wblc",
            "sod",
            "crea"
        ]
    );
    let e = holdout(&table, &is_test, &Model::Cox(CoxParams::default()), &spec()).unwrap();
    assert_eq!((e.n_train, e.n_test), (6211, 2662));
    // CoxPHFitter().fit(train, "d.time", "death", fit_options=dict(precision=1e-12)).log_likelihood_
    assert!((e.train_log_likelihood - -34_053.396_000_521_796).abs() < 1e-6);
    // lifelines concordance_index(test T, -partial hazard, test E)
    assert!((e.harrell_c - 0.602_255_225_558_102_7).abs() < 1e-9);
    // sksurv concordance_index_ipcw(y_train, y_test, partial hazard)[0]
    assert!((e.uno_c - 0.605_125_137_416_200_4).abs() < 1e-9);
    // sksurv integrated_brier_score(y_train, y_test, survival at 30..1800 step 30, grid), with the step
    // survival of sksurv's CoxPHSurvivalAnalysis(ties="efron") (β equal to lifelines' within 3e-13).
    // lifelines' predict_survival_function interpolates its baseline linearly between observed times
    // and gives 0.19264293644085792 instead.
    let b = e.brier.unwrap();
    assert!((b.integrated - 0.192_645_230_933_338_13).abs() < 1e-10, "{}", b.integrated);
    let picks = [b.scores[0], b.scores[11], b.scores[59]];
    for (got, want) in picks.iter().zip([0.198_257_789_810_780_68, 0.224_050_727_868_581_2, 0.155_223_604_893_065_7]) {
        assert!((got - want).abs() < 1e-10, "{picks:?}");
    }
    // sksurv cumulative_dynamic_auc(y_train, y_test, partial hazard, [365, 730, 1095])
    let a = e.auc.unwrap();
    for (got, want) in a.auc.iter().zip([0.677_728_063_639_637_7, 0.708_830_018_717_474_5, 0.722_095_885_171_733_8]) {
        assert!((got - want).abs() < 1e-9, "{:?}", a.auc);
    }
    assert!((a.mean_auc - 0.684_837_406_209_250_7).abs() < 1e-9);
}

#[test]
fn weibull_holdout_matches_lifelines_and_scikit_survival() {
    let (table, is_test) = support2();
    let e = holdout(&table, &is_test, &Model::Aft(AftParams::default()), &spec()).unwrap();
    // WeibullAFTFitter().fit(train, "d.time", "death").log_likelihood_ (lifelines' BFGS stops short of
    // the optimum, so this crate's value may only be higher)
    assert!(e.train_log_likelihood >= -28_955.200_896_947_732 - 1e-9);
    assert!((e.train_log_likelihood - -28_955.200_896_947_732).abs() < 1e-4, "{}", e.train_log_likelihood);
    // concordance_index(test T, predict_median(test), test E); integrated_brier_score of its survival
    assert!((e.harrell_c - 0.601_633_477_696_896).abs() < 1e-4, "{}", e.harrell_c);
    assert!((e.brier.unwrap().integrated - 0.192_305_379_394_526_83).abs() < 1e-5);
}

#[test]
fn bootstrap_intervals_are_seeded_and_cover_the_estimate() {
    let (table, is_test) = support2();
    let spec = EvalSpec { bootstrap: 50, seed: 7, ..EvalSpec::default() };
    let a = holdout(&table, &is_test, &Model::Cox(CoxParams::default()), &spec).unwrap();
    let b = holdout(&table, &is_test, &Model::Cox(CoxParams::default()), &spec).unwrap();
    assert_eq!(a, b);
    let [lo, hi] = a.harrell_c_ci.unwrap();
    assert!(lo < a.harrell_c && a.harrell_c < hi && hi - lo < 0.05, "{lo} {hi}");
    let [lo, hi] = a.uno_c_ci.unwrap();
    assert!(lo < a.uno_c && a.uno_c < hi, "{lo} {hi}");
}

#[test]
fn random_survival_forest_matches_scikit_survival_c_index() {
    let (table, is_test) = support2();
    let p = table.names.len();
    let rows = |test: bool| -> Vec<usize> { (0..table.n_rows()).filter(|&i| is_test[i] == test).collect() };
    let (train, test) = (rows(false), rows(true));
    let pick_x = |r: &[usize]| -> Vec<f64> { r.iter().flat_map(|&i| table.x[i * p..(i + 1) * p].to_vec()).collect() };
    let params = mlhc_surv::RsfParams { n_trees: 50, min_samples_leaf: 15, ..mlhc_surv::RsfParams::default() };
    let forest = params
        .fit(
            &pick_x(&train),
            p,
            &train.iter().map(|&i| table.durations[i]).collect::<Vec<_>>(),
            &train.iter().map(|&i| table.events[i]).collect::<Vec<_>>(),
        )
        .unwrap();
    let risk = forest.predict_risk(&pick_x(&test)).unwrap();
    let c = mlhc_surv::harrell_c(
        &test.iter().map(|&i| table.durations[i]).collect::<Vec<_>>(),
        &test.iter().map(|&i| table.events[i]).collect::<Vec<_>>(),
        &risk,
    )
    .unwrap()
    .c_index;
    // bench/survival/golden_rsf.py: RandomSurvivalForest(n_estimators=50, min_samples_leaf=15,
    // max_features="sqrt", random_state=0) test C 0.6163831854043074; the forests differ in their random
    // draws, so the C-index is compared to ±0.01 (the bar).
    assert!((c - 0.616_383_185_404_307_4).abs() < 0.01, "{c}");
}
