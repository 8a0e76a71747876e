//! The sparse coordinate-descent Cox against scikit-survival's `CoxnetSurvivalAnalysis`.
#![allow(clippy::unwrap_used)]

use mlhc_core::{CscMatrix, CsrMatrix};
use mlhc_surv::coxnet::lambda_max;
use mlhc_surv::{CoxData, CoxParams, SparseCoxData, SparseCoxParams, Ties};

/// testdata/survival/sparse_small.csv: 80 rows (time, event, x0..x11), mostly-zero columns, tied times.
fn load() -> (CsrMatrix, Vec<f64>, Vec<bool>, Vec<f64>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/survival/sparse_small.csv");
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let (mut t, mut e, mut dense) = (Vec::new(), Vec::new(), Vec::new());
    let mut m = CsrMatrix::new(12);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let vals: Vec<f64> = rec.iter().map(|s| s.parse().unwrap()).collect();
        t.push(vals[0]);
        e.push(vals[1] == 1.0);
        let entries: Vec<(u32, f32)> =
            vals[2..].iter().enumerate().filter(|(_, &v)| v != 0.0).map(|(j, &v)| (j as u32, v as f32)).collect();
        m.push_row(&entries);
        dense.extend(vals[2..].iter().map(|&v| f64::from(v as f32)));
    }
    (m, t, e, dense)
}

// scikit-survival 0.23.1 `CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=r, normalize=False, tol=1e-12,
// max_iter=1000000).fit(X / X.std(ddof=1), y).coef_ / X.std(ddof=1)`; bench/survival/golden_coxnet_sparse.py.
const GOLDEN: [(f64, f64, [f64; 12]); 4] = [
    (
        0.12,
        1.0,
        [
            0.0,
            -0.11387864936980806,
            -0.01438223917392359,
            0.032431628266333196,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.11589670767868114,
            -0.038004893078344676,
            -0.03106989520631274,
        ],
    ),
    (
        0.05,
        1.0,
        [
            0.14023441792028585,
            -0.30963564203546307,
            -0.16857203648363564,
            0.23413361757115736,
            0.0,
            -0.042226121201376816,
            0.18121428735702852,
            -0.08054628484386954,
            0.0,
            0.1788271052692822,
            -0.1587713662470394,
            -0.17904774871143006,
        ],
    ),
    (
        0.03,
        0.5,
        [
            0.22233700402903728,
            -0.4056015504299872,
            -0.2824618259370554,
            0.33975863275966195,
            -0.03336537221258938,
            -0.11519783149154095,
            0.25491504544457044,
            -0.12628769471725307,
            -0.03602684233733928,
            0.19554321879194503,
            -0.2114744698714205,
            -0.2521883904004182,
        ],
    ),
    (
        0.1,
        0.2,
        [
            0.17584201668165572,
            -0.33574092597763927,
            -0.22671226808969583,
            0.27740810536811583,
            -0.028717129536216295,
            -0.08304948035142211,
            0.20896990876882404,
            -0.11259460934744056,
            -0.021465863326546764,
            0.18564022186976645,
            -0.18244752810969994,
            -0.20621976216664217,
        ],
    ),
];

#[test]
fn sparse_coxnet_matches_scikit_survival_with_exact_zeros() {
    let (m, t, e, _) = load();
    let x = CscMatrix::from_csr(&m);
    let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
    for (alpha, r, want) in GOLDEN {
        let fit = SparseCoxParams { penalizer: alpha, l1_ratio: r, ..SparseCoxParams::default() }.fit(&data).unwrap();
        for (j, (&got, &w)) in fit.coef.iter().zip(&want).enumerate() {
            assert!((got - w).abs() < 1e-5, "alpha {alpha} r {r} coef {j}: {got} vs {w}");
            assert_eq!(got == 0.0, w == 0.0, "alpha {alpha} r {r} coef {j}: zero pattern {got} vs {w}");
        }
    }
}

#[test]
fn warm_started_path_matches_single_fits_and_lambda_max_zeroes_everything() {
    let (m, t, e, _) = load();
    let x = CscMatrix::from_csr(&m);
    let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
    let params = SparseCoxParams { l1_ratio: 1.0, ..SparseCoxParams::default() };
    let top = lambda_max(&data, &params).unwrap();
    let at_top = SparseCoxParams { penalizer: top * 1.0001, ..params.clone() }.fit(&data).unwrap();
    assert_eq!(at_top.n_nonzero(), 0);
    let below = SparseCoxParams { penalizer: top * 0.99, ..params.clone() }.fit(&data).unwrap();
    assert_eq!(below.n_nonzero(), 1);
    let path: Vec<f64> = (0..8).map(|k| top * 0.6f64.powi(k)).collect();
    let fits = params.fit_path(&data, &path).unwrap();
    for (lambda, warm) in path.iter().zip(&fits) {
        let cold = SparseCoxParams { penalizer: *lambda, ..params.clone() }.fit(&data).unwrap();
        for (a, b) in warm.coef.iter().zip(&cold.coef) {
            assert!((a - b).abs() < 1e-7, "lambda {lambda}: {a} vs {b}");
        }
    }
    assert!(fits.windows(2).all(|w| w[1].log_likelihood >= w[0].log_likelihood - 1e-9));
}

#[test]
fn sparse_fit_agrees_with_the_dense_breslow_elastic_net() {
    let (m, t, e, dense) = load();
    let x = CscMatrix::from_csr(&m);
    let names: Vec<String> = (0..12).map(|j| format!("x{j}")).collect();
    let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
    let sparse = SparseCoxParams { penalizer: 0.03, l1_ratio: 0.5, ..SparseCoxParams::default() }.fit(&data).unwrap();
    let dense_fit = CoxParams { ties: Ties::Breslow, penalizer: 0.03, l1_ratio: 0.5, ..CoxParams::default() }
        .fit(&CoxData::new(&dense, &names, &t, &e))
        .unwrap();
    for (a, c) in sparse.coef.iter().zip(&dense_fit.coefficients) {
        assert!((a - c).abs() < 1e-6, "{a} vs {c}");
    }
    // The Breslow partial log-likelihood at the sparse coefficients, computed naively.
    let eta: Vec<f64> = dense.chunks(12).map(|row| row.iter().zip(&sparse.coef).map(|(a, b)| a * b).sum()).collect();
    let mut ll = 0.0;
    for i in (0..t.len()).filter(|&i| e[i]) {
        let at_risk: f64 = (0..t.len()).filter(|&k| t[k] >= t[i]).map(|k| eta[k].exp()).sum();
        ll += eta[i] - at_risk.ln();
    }
    assert!((sparse.log_likelihood - ll).abs() < 1e-9, "{} vs {ll}", sparse.log_likelihood);
}

/// Efron ties and strata are not in scikit-survival's Coxnet (Breslow only, no strata): the sparse fit
/// is checked against mlhc's dense elastic-net Cox on the same problem, whose Efron likelihood is golden-
/// tested against lifelines and R (tests/golden.rs).
#[test]
fn sparse_fit_with_efron_ties_and_strata_agrees_with_the_dense_fit() {
    let (m, t, e, dense) = load();
    let x = CscMatrix::from_csr(&m);
    let names: Vec<String> = (0..12).map(|j| format!("x{j}")).collect();
    let strata: Vec<usize> = (0..t.len()).map(|i| 7 + i % 3).collect();
    for (with_strata, penalizer, l1_ratio) in
        [(false, 0.03, 0.5), (true, 0.03, 0.5), (true, 0.05, 0.0), (true, 0.02, 1.0)]
    {
        let st = with_strata.then_some(strata.as_slice());
        let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: st };
        let sparse =
            SparseCoxParams { penalizer, l1_ratio, ties: Ties::Efron, tol: 1e-11, ..SparseCoxParams::default() }
                .fit(&data)
                .unwrap();
        let mut d = CoxData::new(&dense, &names, &t, &e);
        d.strata = st;
        let dense_fit = CoxParams { ties: Ties::Efron, penalizer, l1_ratio, ..CoxParams::default() }.fit(&d).unwrap();
        for (j, (a, c)) in sparse.coef.iter().zip(&dense_fit.coefficients).enumerate() {
            assert!((a - c).abs() < 1e-6, "strata {with_strata} λ {penalizer} r {l1_ratio} coef {j}: {a} vs {c}");
            assert_eq!(*a == 0.0, *c == 0.0, "zero pattern of coef {j}: {a} vs {c}");
        }
        assert!(
            (sparse.log_likelihood - dense_fit.log_likelihood).abs() < 1e-7,
            "{} vs {}",
            sparse.log_likelihood,
            dense_fit.log_likelihood
        );
    }
    // Efron differs from Breslow on these tied times.
    let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
    let efron = SparseCoxParams { penalizer: 0.03, l1_ratio: 0.5, ties: Ties::Efron, ..SparseCoxParams::default() };
    let breslow = SparseCoxParams { ties: Ties::Breslow, ..efron.clone() };
    let (a, b) = (efron.fit(&data).unwrap(), breslow.fit(&data).unwrap());
    assert!((a.log_likelihood - b.log_likelihood).abs() > 1e-3, "{} vs {}", a.log_likelihood, b.log_likelihood);
    // λ_max depends on the ties: just above it everything is zero, just below one coefficient enters.
    let lasso = SparseCoxParams { l1_ratio: 1.0, ..efron };
    let top = lambda_max(&data, &lasso).unwrap();
    let at_top = SparseCoxParams { penalizer: top * 1.0001, ..lasso.clone() }.fit(&data).unwrap();
    assert_eq!(at_top.n_nonzero(), 0);
    let below = SparseCoxParams { penalizer: top * 0.99, ..lasso.clone() }.fit(&data).unwrap();
    assert_eq!(below.n_nonzero(), 1);
    assert!((top - lambda_max(&data, &SparseCoxParams { ties: Ties::Breslow, ..lasso }).unwrap()).abs() > 1e-6);
}

#[test]
fn bad_input_is_an_error() {
    let (m, t, e, _) = load();
    let x = CscMatrix::from_csr(&m);
    let none = vec![false; e.len()];
    let data = SparseCoxData { x: &x, durations: &t, events: &none, strata: None };
    let err = SparseCoxParams::default().fit(&data).unwrap_err().to_string();
    assert_eq!(err, "invalid events: no event is observed");
    let data = SparseCoxData { x: &x, durations: &t, events: &e, strata: None };
    let err = SparseCoxParams { penalizer: 0.0, ..SparseCoxParams::default() }.fit(&data).unwrap_err().to_string();
    assert_eq!(err, "invalid penalizer: 0 is not a finite value > 0");
    let err = SparseCoxParams::default()
        .fit(&SparseCoxData { x: &x, durations: &t[1..], events: &e, strata: None })
        .unwrap_err();
    assert!(err.to_string().contains("80 rows of covariates but 79 durations"), "{err}");
    let short = [0usize; 3];
    let err = SparseCoxParams::default()
        .fit(&SparseCoxData { x: &x, durations: &t, events: &e, strata: Some(&short) })
        .unwrap_err();
    assert!(err.to_string().contains("3 stratum labels for 80 rows"), "{err}");
}
