//! Golden tests against lifelines 0.30.3 and R `survival` on the bundled datasets.
//!
//! Reference values come from `bench/survival/golden.py` (lifelines 0.30.3, pandas 2.3.3, numpy 2.4)
//! unless a comment says otherwise; `../shared/data/survival-lifelines/REFERENCE_RESULTS.txt` holds
//! the same Cox and Kaplan–Meier figures to six decimals.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use std::path::PathBuf;

use mlhc_surv::{harrell_c, logrank_test, restricted_mean, CoxData, CoxParams, Error, KaplanMeier, NelsonAalen, Ties};

/// A numeric CSV as named columns (empty cells as NaN).
fn read(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/survival").join(name);
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn column(data: &(Vec<String>, Vec<Vec<String>>), name: &str) -> Vec<f64> {
    let j = data.0.iter().position(|h| h == name).unwrap();
    data.1.iter().map(|r| r[j].parse().unwrap_or(f64::NAN)).collect()
}

struct Rossi {
    week: Vec<f64>,
    arrest: Vec<bool>,
    x: Vec<f64>,
    names: Vec<String>,
}

const ROSSI_COVARIATES: [&str; 7] = ["fin", "age", "race", "wexp", "mar", "paro", "prio"];

fn rossi() -> Rossi {
    let d = read("rossi.csv");
    let week = column(&d, "week");
    let arrest = column(&d, "arrest").iter().map(|&v| v == 1.0).collect();
    let cols: Vec<Vec<f64>> = ROSSI_COVARIATES.iter().map(|c| column(&d, c)).collect();
    let x = (0..week.len()).flat_map(|i| cols.iter().map(move |c| c[i]).collect::<Vec<_>>()).collect();
    Rossi { week, arrest, x, names: ROSSI_COVARIATES.iter().map(|s| s.to_string()).collect() }
}

fn close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "got {got:?}\nwant {want:?}");
    }
}

#[test]
fn kaplan_meier_rossi() {
    let r = rossi();
    let km = KaplanMeier::fit(&r.week, &r.arrest, 0.05).unwrap();
    // lifelines: KaplanMeierFitter().fit(rossi.week, rossi.arrest).survival_function_at_times([26, 52])
    assert!((km.survival_at(26.0) - 0.875).abs() < 1e-12);
    assert!((km.survival_at(52.0) - 0.736_111_111_1).abs() < 1e-10);
    // kmf.confidence_interval_.loc[52] (lower, upper)
    let p = km.at(52.0);
    close(&[p.ci_low, p.ci_high], &[0.691_859_715_8, 0.775_063_183_4], 1e-10);
    // kmf.median_survival_time_ = inf
    assert_eq!(km.median().median, None);
    // restricted_mean_survival_time(kmf, t=52) = 45.85416666666665
    let rmst = restricted_mean(&km, 52.0).unwrap();
    assert!((rmst.estimate - 45.854_166_666_666_65).abs() < 1e-9);
}

#[test]
fn nelson_aalen_rossi() {
    let r = rossi();
    let na = NelsonAalen::fit(&r.week, &r.arrest, 0.05).unwrap();
    // NelsonAalenFitter().fit(rossi.week, rossi.arrest): H(10), H(52); confidence_interval_.loc[52]
    close(&[na.cumulative_hazard_at(10.0), na.cumulative_hazard_at(52.0)], &[0.035_297_765_8, 0.305_959_663_4], 1e-10);
    let last = na.table.last().unwrap();
    close(&[last.ci_low, last.ci_high], &[0.254_466_462_4, 0.367_872_900_6], 1e-10);
}

#[test]
fn waltons_medians_and_logrank() {
    let d = read("waltons_dataset.csv");
    let t = column(&d, "T");
    let e: Vec<bool> = column(&d, "E").iter().map(|&v| v == 1.0).collect();
    let g: Vec<usize> = d.1.iter().map(|r| usize::from(r[2] == "miR-137")).collect();
    for (code, median, lo, hi) in [(1, 26.0, 19.0, 29.0), (0, 58.0, 56.0, 60.0)] {
        let rows: Vec<usize> = (0..t.len()).filter(|&i| g[i] == code).collect();
        let tt: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
        let ee: Vec<bool> = rows.iter().map(|&i| e[i]).collect();
        let m = KaplanMeier::fit(&tt, &ee, 0.05).unwrap().median();
        // kmf.median_survival_time_ and median_survival_times(kmf.confidence_interval_)
        assert_eq!((m.median, m.ci_low, m.ci_high), (Some(median), Some(lo), Some(hi)));
    }
    // logrank_test(miR-137, control): test_statistic 122.24912557300615, p 2.0359832222855426e-28
    let lr = logrank_test(&t, &e, &g, None).unwrap();
    assert!((lr.statistic - 122.249_125_573_006_15).abs() < 1e-9);
    assert!((lr.p_value / 2.035_983_222_285_542_6e-28 - 1.0).abs() < 1e-8);
    assert_eq!(lr.df, 1);
}

#[test]
fn k_group_logrank_rossi() {
    let r = rossi();
    let d = read("rossi.csv");
    let prio: Vec<usize> = column(&d, "prio").iter().map(|&v| v.min(3.0) as usize).collect();
    // multivariate_logrank_test(rossi.week, rossi.prio.clip(upper=3), rossi.arrest):
    // 13.58387092049222, p 0.00352994474469132, 3 degrees of freedom
    let lr = logrank_test(&r.week, &r.arrest, &prio, None).unwrap();
    assert!((lr.statistic - 13.583_870_920_492_22).abs() < 1e-9);
    assert!((lr.p_value - 0.003_529_944_744_691_32).abs() < 1e-12);
    assert_eq!(lr.df, 3);
    // Stratifying by a factor that splits nothing (one stratum) changes nothing.
    let one = vec![7; r.week.len()];
    assert_eq!(logrank_test(&r.week, &r.arrest, &prio, Some(&one)).unwrap(), lr);
}

#[test]
fn cox_efron_rossi() {
    let r = rossi();
    let m = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
    // CoxPHFitter().fit(rossi, "week", "arrest")
    close(
        &m.coefficients,
        &[
            -0.379_422_165_7,
            -0.057_437_74,
            0.313_899_787_3,
            -0.149_795_701_8,
            -0.433_703_881_2,
            -0.084_871_080_6,
            0.091_497_081_7,
        ],
        1e-8,
    );
    close(
        &m.standard_errors(),
        &[
            0.191_379_480_7,
            0.021_999_470_4,
            0.307_992_776_6,
            0.212_224_296_4,
            0.381_868_057_1,
            0.195_756_671_9,
            0.028_648_549_9,
        ],
        1e-8,
    );
    assert!((m.concordance.unwrap() - 0.640_329_247_099_713_5).abs() < 1e-12);
    assert!((m.log_likelihood - -658.747_659_446_085_8).abs() < 1e-8);
    assert_eq!((m.n, m.n_events), (432, 114));
    // cph.baseline_cumulative_hazard_.loc[[10, 52]]
    close(&[m.baseline[0].at(10.0), m.baseline[0].at(52.0)], &[0.029_884_615_6, 0.274_372_837_6], 1e-9);
    // cph.predict_survival_function(rossi.iloc[:2], times=[52])
    let curves: Vec<Vec<f64>> = m.survival_curves(&r.x[..14], None, &[52.0], 1).unwrap().collect();
    // (lifelines' Newton iterations stop with β about 1e-9 from the optimum, hence 1e-8.)
    close(&[curves[0][0], curves[1][0]], &[0.715_699_314_1, 0.412_180_929_3], 1e-8);
    let s = &m.summary()[0];
    // summary: fin z -1.982565, p 0.047416 (REFERENCE_RESULTS.txt)
    assert!((s.z - -1.982_565).abs() < 1e-6 && (s.p - 0.047_416).abs() < 1e-6);
}

#[test]
fn cox_robust_strata_weights_clusters_rossi() {
    let r = rossi();
    let base = CoxData::new(&r.x, &r.names, &r.week, &r.arrest);
    // lifelines' score residuals ignore ties ("TODO: doesn't handle ties" in coxph_fitter.py), so the
    // robust covariance is compared with every tie broken: week + row * 1e-4.
    let week: Vec<f64> = r.week.iter().enumerate().map(|(i, w)| w + i as f64 * 1e-4).collect();
    let untied = CoxData::new(&r.x, &r.names, &week, &r.arrest);
    // CoxPHFitter().fit(rossi_untied, "week", "arrest", robust=True)
    let m = CoxParams { robust: true, ..CoxParams::default() }.fit(&untied).unwrap();
    close(
        &m.coefficients,
        &[
            -0.374_730_309_5,
            -0.057_221_006_7,
            0.318_912_675_3,
            -0.148_131_912_1,
            -0.429_400_227_7,
            -0.105_475_996_6,
            0.093_781_031_6,
        ],
        1e-8,
    );
    close(
        &m.standard_errors(),
        &[
            0.194_736_782_6,
            0.025_256_735_3,
            0.290_541_913_7,
            0.218_137_015_8,
            0.377_777_445_9,
            0.199_694_642_4,
            0.028_584_137_7,
        ],
        1e-8,
    );
    // cluster_col = row // 4
    let clusters: Vec<usize> = (0..r.week.len()).map(|i| i / 4).collect();
    let m = CoxParams::default().fit(&CoxData { clusters: Some(&clusters), ..untied }).unwrap();
    close(
        &m.standard_errors(),
        &[
            0.201_478_072_3,
            0.028_096_448_2,
            0.273_955_236,
            0.226_545_316_6,
            0.391_517_435_8,
            0.199_139_369,
            0.027_842_503_9,
        ],
        1e-8,
    );
    // weights_col = 1 + row % 3, robust=True, fit_options=dict(precision=1e-12) (the default precision
    // stops about 3e-6 short of the optimum on weighted data)
    let weights: Vec<f64> = (0..r.week.len()).map(|i| 1.0 + (i % 3) as f64).collect();
    let m =
        CoxParams { robust: true, ..CoxParams::default() }.fit(&CoxData { weights: Some(&weights), ..untied }).unwrap();
    close(
        &m.coefficients,
        &[
            -0.337_066_400_1,
            -0.063_250_676_5,
            0.182_902_897_4,
            -0.058_520_355_8,
            -0.879_297_124_8,
            -0.146_323_328_7,
            0.105_427_056_5,
        ],
        1e-8,
    );
    close(
        &m.standard_errors(),
        &[
            0.208_634_602_4,
            0.025_709_322_7,
            0.292_852_666_8,
            0.230_465_028_2,
            0.403_987_254,
            0.215_178_836,
            0.029_410_234_2,
        ],
        1e-8,
    );
    // weights_col = 1 + row % 3 (model-based standard errors), fit_options=dict(precision=1e-12)
    let weights: Vec<f64> = (0..r.week.len()).map(|i| 1.0 + (i % 3) as f64).collect();
    let m = CoxParams::default().fit(&CoxData { weights: Some(&weights), ..base }).unwrap();
    close(
        &m.coefficients,
        &[
            -0.336_556_823_2,
            -0.063_506_739_4,
            0.173_406_043_2,
            -0.053_347_024_1,
            -0.885_609_342_3,
            -0.136_153_625_3,
            0.104_568_003_1,
        ],
        1e-8,
    );
    close(
        &m.standard_errors(),
        &[
            0.135_553_693_9,
            0.015_734_233_4,
            0.214_323_802_9,
            0.148_081_469_7,
            0.317_966_911_8,
            0.138_608_425_4,
            0.019_898_140_6,
        ],
        1e-8,
    );
    assert!((m.log_likelihood - -1_474.535_208_204_801_8).abs() < 1e-8);
    // strata=["race"]: race leaves the covariates
    let race: Vec<usize> = (0..r.week.len()).map(|i| r.x[i * 7 + 2] as usize).collect();
    let keep = [0, 1, 3, 4, 5, 6];
    let rx = &r.x;
    let x6: Vec<f64> = (0..r.week.len()).flat_map(|i| keep.iter().map(move |&j| rx[i * 7 + j])).collect();
    let names6: Vec<String> = keep.iter().map(|&j| r.names[j].clone()).collect();
    let mut data = CoxData::new(&x6, &names6, &r.week, &r.arrest);
    data.strata = Some(&race);
    let m = CoxParams::default().fit(&data).unwrap();
    close(
        &m.coefficients,
        &[-0.378_767_373_6, -0.057_639_743, -0.142_749_929_4, -0.438_816_689_2, -0.085_763_952_2, 0.092_213_842_1],
        1e-8,
    );
    close(
        &m.standard_errors(),
        &[0.191_303_694_3, 0.022_002_097_1, 0.212_793_770_9, 0.382_127_626_1, 0.195_807_352_8, 0.028_726_063_7],
        1e-8,
    );
    assert!((m.log_likelihood - -620.563_608_514_375_6).abs() < 1e-8);
    assert!((m.concordance.unwrap() - 0.631_203_684_567_919_4).abs() < 1e-12);
}

#[test]
fn cox_ridge_rossi() {
    let r = rossi();
    let params = CoxParams { penalizer: 0.1, ..CoxParams::default() };
    let m = params.fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
    // CoxPHFitter(penalizer=0.1).fit(rossi, "week", "arrest", fit_options=dict(precision=1e-12));
    // REFERENCE_RESULTS.txt has the default-precision fit (fin -0.273342, ..., mar -0.313226, c 0.645284).
    close(
        &m.coefficients,
        &[
            -0.273_342_455_7,
            -0.035_995_588_3,
            0.203_207_200_4,
            -0.201_778_401_6,
            -0.313_233_353_8,
            -0.057_862_876_2,
            0.070_848_964_9,
        ],
        1e-9,
    );
    close(
        &m.standard_errors(),
        &[
            0.160_842_181_4,
            0.015_390_599_1,
            0.250_053_753_8,
            0.170_281_223_4,
            0.279_531_646_8,
            0.165_268_178_2,
            0.025_708_574_4,
        ],
        1e-9,
    );
    assert!((m.concordance.unwrap() - 0.645_284_392_466_300_3).abs() < 1e-12);
    // log_likelihood_ -662.7830828496678 is lifelines' penalized log-likelihood.
    assert!((m.log_likelihood - m.penalty - -662.783_082_849_667_8).abs() < 1e-8);
}

#[test]
fn cox_lung_age_sex_matches_r() {
    let d = read("lung.csv");
    let time = column(&d, "time");
    let status: Vec<bool> = column(&d, "status").iter().map(|&v| v == 1.0).collect();
    let (age, sex) = (column(&d, "age"), column(&d, "sex"));
    let x: Vec<f64> = age.iter().zip(&sex).flat_map(|(a, s)| [*a, *s]).collect();
    let names = vec!["age".to_string(), "sex".to_string()];
    let m = CoxParams::default().fit(&CoxData::new(&x, &names, &time, &status)).unwrap();
    // R survival::coxph(Surv(time, status) ~ age + sex, lung) prints age 0.017045 (se 0.009223) and
    // sex -0.513219 (se 0.167458) (the survival package's documented example output). lifelines 0.30.3
    // stops its Newton iterations earlier (sex -0.5132169), so R's six printed decimals are the reference.
    close(&m.coefficients, &[0.017_045, -0.513_219], 5e-7);
    close(&m.standard_errors(), &[0.009_223, 0.167_458], 5e-7);
    // lifelines 0.30.3 with fit_options=dict(precision=1e-12) agrees with R to all its digits:
    close(&m.coefficients, &[0.017_045_331_9, -0.513_218_519_8], 1e-9);
    close(&m.standard_errors(), &[0.009_223_273_5, 0.167_457_962_4], 1e-9);
    assert!((m.log_likelihood - -742.848_245_783_770_6).abs() < 1e-8);
}

#[test]
fn cox_breslow_agrees_with_efron_without_ties() {
    let r = rossi();
    // Break every tie in time; then Efron and Breslow are the same likelihood.
    let week: Vec<f64> = r.week.iter().enumerate().map(|(i, w)| w + i as f64 * 1e-4).collect();
    let data = CoxData::new(&r.x, &r.names, &week, &r.arrest);
    let e = CoxParams::default().fit(&data).unwrap();
    let b = CoxParams { ties: Ties::Breslow, ..CoxParams::default() }.fit(&data).unwrap();
    close(&e.coefficients, &b.coefficients, 1e-10);
    assert!((e.log_likelihood - b.log_likelihood).abs() < 1e-9);
}

#[test]
fn cox_edge_cases_are_named_errors() {
    let r = rossi();
    let none = vec![false; r.week.len()];
    let err = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &r.week, &none)).unwrap_err();
    assert!(matches!(err, Error::NoEvents { rows: 432 }), "{err}");

    let mut x = r.x.clone();
    for i in 0..r.week.len() {
        x[i * 7 + 4] = 1.0;
    }
    let err = CoxParams::default().fit(&CoxData::new(&x, &r.names, &r.week, &r.arrest)).unwrap_err();
    assert!(matches!(&err, Error::ConstantCovariate { covariate, .. } if covariate == "mar"), "{err}");

    // Separation: a covariate that is 1 exactly for the arrested.
    let mut x = r.x.clone();
    for i in 0..r.week.len() {
        x[i * 7 + 3] = f64::from(u8::from(r.arrest[i]));
    }
    let err = CoxParams::default().fit(&CoxData::new(&x, &r.names, &r.week, &r.arrest)).unwrap_err();
    assert!(matches!(&err, Error::Separation { covariate, .. } if covariate == "wexp"), "{err}");

    // Collinear: race duplicated.
    let x8: Vec<f64> = (0..r.week.len())
        .flat_map(|i| {
            let mut row = r.x[i * 7..(i + 1) * 7].to_vec();
            row.push(2.0 * row[2] + 1.0);
            row
        })
        .collect();
    let mut names8 = r.names.clone();
    names8.push("race2".into());
    let err = CoxParams::default().fit(&CoxData::new(&x8, &names8, &r.week, &r.arrest)).unwrap_err();
    assert!(matches!(&err, Error::Collinear { covariate } if covariate == "race2"), "{err}");

    // Too few iterations: an error with the last change.
    let err = CoxParams { max_iter: 1, ..CoxParams::default() }
        .fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest))
        .unwrap_err();
    assert!(matches!(err, Error::NoConvergence { iterations: 1, change } if change > 0.0), "{err}");

    // A parametric model needs durations > 0.
    let mut week = r.week.clone();
    week[5] = 0.0;
    let err = mlhc_surv::AftParams::default().fit(&r.x, &r.names, &week, &r.arrest).unwrap_err();
    assert!(matches!(err, Error::NonPositiveDuration { row: 5, .. }), "{err}");

    // Every time tied: still a fit, and Efron differs from Breslow.
    let same = vec![1.0; r.week.len()];
    let e = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &same, &r.arrest)).unwrap();
    let b = CoxParams { ties: Ties::Breslow, ..CoxParams::default() }
        .fit(&CoxData::new(&r.x, &r.names, &same, &r.arrest))
        .unwrap();
    assert!(e.log_likelihood.is_finite() && (e.log_likelihood - b.log_likelihood).abs() > 1.0);
}

#[test]
fn harrell_c_of_cox_predictor() {
    let r = rossi();
    let m = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
    let eta: Vec<f64> = r.x.chunks(7).map(|row| m.linear_predictor(row)).collect();
    let c = harrell_c(&r.week, &r.arrest, &eta).unwrap();
    assert!((c.c_index - 0.640_329_247_099_713_5).abs() < 1e-12);
}

/// lifelines' parametric fitters stop (scipy BFGS) short of the optimum: their log-likelihood is
/// below the one reached here (by 1e-8 for Weibull, 2e-7 log-normal, 1e-4 log-logistic), and their
/// parameters are off by up to `tol`. Started from this crate's estimate, lifelines ends with a lower
/// log-likelihood still (log-normal -683.2346252877 vs -683.2346252784 here; log-logistic
/// -679.9406833 vs -679.9384111). So the log-likelihood must be at least lifelines' and within
/// `ll_tol` of it, and the parameters within `tol`.
#[allow(clippy::too_many_arguments)]
fn check_aft(
    family: mlhc_surv::AftFamily,
    ll: f64,
    c: f64,
    coef: [f64; 9],
    se: [f64; 9],
    tol: f64,
    ll_tol: f64,
) -> f64 {
    let r = rossi();
    let params = mlhc_surv::AftParams { family, ..mlhc_surv::AftParams::default() };
    let m = params.fit(&r.x, &r.names, &r.week, &r.arrest).unwrap();
    assert!(
        (m.log_likelihood - ll).abs() < ll_tol && m.log_likelihood >= ll - 1e-10,
        "{family:?} {}",
        m.log_likelihood
    );
    let s = m.summary();
    close(&s.iter().map(|c| c.coef).collect::<Vec<_>>(), &coef, tol);
    close(&s.iter().map(|c| c.se).collect::<Vec<_>>(), &se, tol);
    assert!((m.concordance - c).abs() < 1e-3, "{family:?} C {}", m.concordance);
    m.log_likelihood
}

#[test]
fn aft_rossi() {
    // lifelines 0.30.3 XxxAFTFitter().fit(rossi, "week", "arrest"); parameters in this crate's order:
    // fin, age, race, wexp, mar, paro, prio, Intercept, then the shape intercept (rho_ / sigma_ / beta_).
    check_aft(
        mlhc_surv::AftFamily::Weibull,
        -679.916_563_947_583_5,
        0.640_141_374_289_605_9,
        [
            0.272_172_396,
            0.040_714_888_8,
            -0.224_808_290_8,
            0.106_550_791_1,
            0.311_260_325_2,
            0.058_821_999_5,
            -0.065_816_588,
            3.990_123_078_7,
            0.339_102_739_3,
        ],
        [
            0.137_963_180_2,
            0.016_003_766_3,
            0.220_160_803_1,
            0.151_541_857_7,
            0.273_301_543,
            0.139_639_291_8,
            0.020_940_766_6,
            0.419_099_457_6,
            0.089_027_069_4,
        ],
        2e-5,
        1e-7,
    );
    check_aft(
        mlhc_surv::AftFamily::LogNormal,
        -683.234_625_440_850_8,
        0.645_237_424_263_773_4,
        [
            0.342_826_363_4,
            0.027_205_621_9,
            -0.363_107_416_1,
            0.268_129_678_4,
            0.460_236_342_5,
            0.055_875_744_9,
            -0.065_519_559_6,
            4.267_536_838_5,
            0.258_163_717_9,
        ],
        [
            0.164_083_298_6,
            0.015_755_920_4,
            0.264_685_236_8,
            0.178_886_440_8,
            0.295_137_307_2,
            0.169_108_546,
            0.027_090_251_3,
            0.461_681_273_5,
            0.076_434_762,
        ],
        2e-4,
        1e-6,
    );
    let ll = check_aft(
        mlhc_surv::AftFamily::LogLogistic,
        -679.938_506_178_123_6,
        0.643_804_894_086_703_3,
        [
            0.289_433_113_7,
            0.036_286_732_8,
            -0.279_204_687_9,
            0.178_406_183_6,
            0.347_584_588_1,
            0.052_522_677_4,
            -0.069_181_209_4,
            3.918_909_293_2,
            0.435_206_934_2,
        ],
        [
            0.145_602_936_7,
            0.015_563_753_6,
            0.229_641_642_9,
            0.157_190_747_9,
            0.269_695_154,
            0.149_563_548_6,
            0.022_740_964_5,
            0.427_329_680_3,
            0.086_417_454_9,
        ],
        2e-3,
        2e-4,
    );
    // The log-logistic likelihood evaluated directly with numpy at this crate's estimate
    // (sum of E·log h(t) + log S(t), h and S of the log-logistic; bench/survival/golden.py's check):
    assert!((ll - -679.938_411_052_732_1).abs() < 1e-9);
}

#[test]
fn cox_martingale_and_deviance_residuals_rossi() {
    let r = rossi();
    let m = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
    let mres = m.martingale_residuals(&r.x, &r.week, &r.arrest, None).unwrap();
    let dres = m.deviance_residuals(&r.x, &r.week, &r.arrest, None).unwrap();
    // cph.compute_residuals(rossi, "martingale" / "deviance"), rows 0..3 (lifelines' β is within 1e-9)
    close(
        &mres[..4],
        &[0.897_867_786_690_709_4, 0.800_991_348_877_148_1, 0.670_026_980_189_076_5, -0.133_814_891_215_442_24],
        1e-8,
    );
    close(
        &dres[..4],
        &[1.663_501_914_303_724_6, 1.275_472_958_040_478_2, 0.936_714_904_144_938_6, -0.517_329_471_836_743_9],
        1e-8,
    );
    // Martingale residuals sum to 0 (the Breslow baseline makes each risk set's expected count match).
    assert!(mres.iter().sum::<f64>().abs() < 1e-9);
}

#[test]
fn cox_schoenfeld_residuals_and_ph_test_rossi() {
    let r = rossi();
    let m = CoxParams::default().fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
    let s = m.schoenfeld_residuals(&r.x, &r.week, &r.arrest, None, None).unwrap();
    assert_eq!(s.rows.len(), 114);
    // cph.compute_residuals(rossi, "schoenfeld").sort_index(): rows 0 and 1
    assert_eq!(&s.rows[..2], &[0, 1]);
    close(
        &s.values[..14],
        &[
            -0.414_296_762_583_067_86,
            4.286_793_397_475_851,
            0.108_004_007_985_133_65,
            -0.455_949_540_080_647_5,
            -0.069_787_756_158_207_48,
            0.399_005_382_646_980_8,
            -0.856_092_801_516_046_7,
            -0.409_171_477_127_810_8,
            -4.640_836_014_872_48,
            0.104_340_966_403_315_25,
            -0.445_701_438_262_416_5,
            -0.067_420_849_063_940_26,
            0.397_871_470_034_620_4,
            4.117_587_071_177_029,
        ],
        1e-7,
    );
    // proportional_hazard_test(cph, rossi, time_transform=...).test_statistic (lifelines' "rank" numbers
    // tied events by its unstable sort order, so the order-free transforms are compared)
    let cases = [
        (
            mlhc_surv::TimeTransform::Identity,
            [
                0.056_170_783_360_834_36,
                12.061_382_648_592_32,
                1.486_087_858_358_300_6,
                6.934_835_114_485_227,
                0.754_401_416_353_970_5,
                0.122_041_576_317_123_06,
                0.010_891_709_613_611_621,
            ],
        ),
        (
            mlhc_surv::TimeTransform::Log,
            [
                0.491_364_526_059_240_9,
                13.073_811_154_809_245,
                1.031_124_033_053_294_5,
                5.539_753_797_240_947,
                1.029_274_185_722_885_5,
                0.010_496_111_891_878_232,
                0.384_018_831_827_053_93,
            ],
        ),
        (
            mlhc_surv::TimeTransform::KaplanMeier,
            [
                0.019_130_026_636_667_654,
                11.030_293_836_479_157,
                1.437_456_146_740_426,
                7.475_471_350_548_021_5,
                0.600_874_178_021_307_3,
                0.115_720_965_177_268_99,
                0.022_545_537_329_335_046,
            ],
        ),
    ];
    for (transform, want) in cases {
        let t = m.proportional_hazards_test(&r.x, &r.week, &r.arrest, None, transform).unwrap();
        close(&t.statistic, &want, 1e-6);
    }
    // p for age (identity): 0.0005147709847625492
    let t = m.proportional_hazards_test(&r.x, &r.week, &r.arrest, None, mlhc_surv::TimeTransform::Identity).unwrap();
    assert!((t.p_value[1] - 0.000_514_770_984_762_549_2).abs() < 1e-9);
}

#[test]
fn cox_start_stop_stanford_heart() {
    let d = read("stanford_heart.csv");
    let (start, stop) = (column(&d, "start"), column(&d, "stop"));
    let event: Vec<bool> = column(&d, "event").iter().map(|&v| v == 1.0).collect();
    let cols: Vec<Vec<f64>> = ["age", "year", "surgery", "transplant"].iter().map(|c| column(&d, c)).collect();
    let x: Vec<f64> = (0..start.len()).flat_map(|i| cols.iter().map(move |c| c[i]).collect::<Vec<_>>()).collect();
    let names: Vec<String> = ["age", "year", "surgery", "transplant"].iter().map(|s| s.to_string()).collect();
    let mut data = CoxData::new(&x, &names, &stop, &event);
    data.entries = Some(&start);
    let m = CoxParams::default().fit(&data).unwrap();
    // CoxTimeVaryingFitter().fit(stanford_heart, id_col="id", event_col="event", start_col="start",
    // stop_col="stop"); R coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, heart)
    // prints 0.0272, -0.1463, -0.6372, -0.0103.
    close(
        &m.coefficients,
        &[0.027_166_640_957_677_12, -0.146_346_345_674_197_71, -0.637_209_889_968_125_9, -0.010_250_772_409_076_427],
        1e-7,
    );
    close(
        &m.standard_errors(),
        &[0.013_714_115_275_318_791, 0.070_467_979_793_254_73, 0.367_225_981_633_835_6, 0.313_754_798_776_284],
        1e-7,
    );
    assert!((m.log_likelihood - -290.565_616_218_489_8).abs() < 1e-7);
    assert_eq!(m.concordance, None);
    assert!(m.martingale_residuals(&x, &stop, &event, None).is_err());
    // Splitting every row at an interior time with the same covariates leaves the fit unchanged.
    let mut s2 = Vec::new();
    let mut t2 = Vec::new();
    let mut e2 = Vec::new();
    let mut x2 = Vec::new();
    for i in 0..start.len() {
        let mid = 0.5 * (start[i] + stop[i]);
        s2.extend([start[i], mid]);
        t2.extend([mid, stop[i]]);
        e2.extend([false, event[i]]);
        x2.extend_from_slice(&x[i * 4..(i + 1) * 4]);
        x2.extend_from_slice(&x[i * 4..(i + 1) * 4]);
    }
    let mut split = CoxData::new(&x2, &names, &t2, &e2);
    split.entries = Some(&s2);
    let m2 = CoxParams::default().fit(&split).unwrap();
    close(&m2.coefficients, &m.coefficients, 1e-9);
    assert!((m2.log_likelihood - m.log_likelihood).abs() < 1e-8);
    // Robust standard errors with each subject a cluster are the same for the split rows.
    let ids = column(&d, "id");
    let cl: Vec<usize> = ids.iter().map(|&v| v as usize).collect();
    let cl2: Vec<usize> = cl.iter().flat_map(|&c| [c, c]).collect();
    let r1 = CoxParams::default().fit(&CoxData { clusters: Some(&cl), ..data }).unwrap();
    let r2 = CoxParams::default().fit(&CoxData { clusters: Some(&cl2), ..split }).unwrap();
    close(&r1.standard_errors(), &r2.standard_errors(), 1e-9);
}

#[test]
fn cox_elastic_net_matches_coxnet_rossi() {
    let r = rossi();
    let n = r.week.len();
    // Sample standard deviations: scikit-survival is given (x − mean)/sd, so its coefficients are β·sd.
    let sd: Vec<f64> = (0..7)
        .map(|j| {
            let m = (0..n).map(|i| r.x[i * 7 + j]).sum::<f64>() / n as f64;
            ((0..n).map(|i| (r.x[i * 7 + j] - m).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt()
        })
        .collect();
    // CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=r, normalize=False, tol=1e-12).fit(standardized rossi)
    let cases = [
        (
            0.05,
            1.0,
            [0.0, -0.142_332_234_938_911_87, 0.0, -0.022_045_683_415_518_68, 0.0, 0.0, 0.129_534_932_490_640_3],
        ),
        (
            0.02,
            0.5,
            [
                -0.140_497_532_249_401_87,
                -0.277_989_517_563_724,
                0.055_030_390_032_120_485,
                -0.074_425_228_050_530_45,
                -0.098_371_584_658_684_23,
                -0.001_354_684_919_977_919,
                0.234_923_018_695_777_64,
            ],
        ),
    ];
    for (alpha, l1, want) in cases {
        let params = CoxParams { ties: Ties::Breslow, penalizer: alpha, l1_ratio: l1, ..CoxParams::default() };
        let m = params.fit(&CoxData::new(&r.x, &r.names, &r.week, &r.arrest)).unwrap();
        let got: Vec<f64> = m.coefficients.iter().zip(&sd).map(|(b, s)| b * s).collect();
        close(&got, &want, 1e-7);
        for (g, w) in got.iter().zip(want) {
            assert_eq!(*g == 0.0, w == 0.0, "exact zeros: {got:?}");
        }
        let se = m.standard_errors();
        assert!(se.iter().zip(&got).all(|(s, b)| s.is_nan() == (*b == 0.0)));
    }
}

#[test]
fn cox_strata_with_robust_errors_and_with_entry_times() {
    // CoxPHFitter().fit(rossi_untied, "week", "arrest", strata=["race"], robust=True) with week + row·1e-4
    let r = rossi();
    let week: Vec<f64> = r.week.iter().enumerate().map(|(i, w)| w + i as f64 * 1e-4).collect();
    let race: Vec<usize> = (0..r.week.len()).map(|i| r.x[i * 7 + 2] as usize).collect();
    let keep = [0, 1, 3, 4, 5, 6];
    let rx = &r.x;
    let x6: Vec<f64> = (0..r.week.len()).flat_map(|i| keep.iter().map(move |&j| rx[i * 7 + j])).collect();
    let names6: Vec<String> = keep.iter().map(|&j| r.names[j].clone()).collect();
    let mut data = CoxData::new(&x6, &names6, &week, &r.arrest);
    data.strata = Some(&race);
    let m = CoxParams { robust: true, ..CoxParams::default() }.fit(&data).unwrap();
    close(
        &m.coefficients,
        &[
            -0.369_102_489_561_842_55,
            -0.057_238_335_681_746_966,
            -0.132_221_884_538_450_05,
            -0.446_438_776_786_433_57,
            -0.106_997_740_985_595,
            0.094_394_110_311_819_98,
        ],
        1e-7,
    );
    close(
        &m.standard_errors(),
        &[
            0.193_862_434_268_280_98,
            0.025_174_519_014_021_95,
            0.219_860_135_988_391_85,
            0.377_711_401_115_537_25,
            0.199_164_419_685_492_53,
            0.028_770_989_044_531_754,
        ],
        1e-7,
    );

    // CoxTimeVaryingFitter().fit(stanford_heart, ..., strata=["surgery"])
    let d = read("stanford_heart.csv");
    let (start, stop) = (column(&d, "start"), column(&d, "stop"));
    let event: Vec<bool> = column(&d, "event").iter().map(|&v| v == 1.0).collect();
    let surgery: Vec<usize> = column(&d, "surgery").iter().map(|&v| v as usize).collect();
    let cols: Vec<Vec<f64>> = ["age", "year", "transplant"].iter().map(|c| column(&d, c)).collect();
    let x: Vec<f64> = (0..start.len()).flat_map(|i| cols.iter().map(move |c| c[i]).collect::<Vec<_>>()).collect();
    let names: Vec<String> = ["age", "year", "transplant"].iter().map(|s| s.to_string()).collect();
    let mut data = CoxData::new(&x, &names, &stop, &event);
    data.entries = Some(&start);
    data.strata = Some(&surgery);
    let m = CoxParams::default().fit(&data).unwrap();
    close(&m.coefficients, &[0.026_813_521_004_524_218, -0.149_243_232_803_767_64, -0.021_780_251_272_539_48], 1e-7);
    close(&m.standard_errors(), &[0.013_666_156_366_964_432, 0.070_099_327_505_038_58, 0.315_877_308_524_921_85], 1e-7);
    assert!((m.log_likelihood - -265.315_129_067_302_56).abs() < 1e-7);
}
