//! Penalized logistic regression against scikit-learn on the same standardized problem.
//!
//! Golden values: scikit-learn 1.5.2, `LogisticRegression(tol=1e-14, max_iter=1_000_000, ...)` fitted on
//! the features below standardized with numpy (mean, `std(ddof=0)`; the all-zero column left at 0), with
//! `penalty="l2", solver="lbfgs"` or `penalty="l1"|"elasticnet", solver="saga"`. mlhc fits the raw sparse
//! matrix with internal standardization and `λ = 1/(C·n)`; its standardized coefficients are
//! `coef · σ` and its standardized intercept is `intercept + Σ coef · μ`.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

use mlhc_core::CsrMatrix;
use mlhc_learn::logistic::{fit, fit_path, lambda_max, LogisticParams, Penalty};
use mlhc_learn::Error;

const N: usize = 120;
const P: usize = 6;

/// The deterministic design: entry (i, j) is absent when i·(j+1) is a multiple of 5 (so column 4 is
/// empty), otherwise sin(0.7 i + 1.3 j)·(j+1) + 0.1 j rounded to f32.
fn data() -> (CsrMatrix, Vec<f64>) {
    let mut x = CsrMatrix::new(P);
    let mut y = Vec::new();
    for i in 0..N {
        let mut row = Vec::new();
        let mut dense = [0f64; P];
        for (j, d) in dense.iter_mut().enumerate() {
            if (i * (j + 1)) % 5 != 0 {
                let v = ((0.7 * i as f64 + 1.3 * j as f64).sin() * (j + 1) as f64 + 0.1 * j as f64) as f32;
                row.push((j as u32, v));
                *d = v as f64;
            }
        }
        x.push_row(&row);
        let score = (0.37 * i as f64).sin() + 0.5 * dense[0] - 0.3 * dense[2] + 0.05 * dense[4];
        y.push(if score > 0.0 { 1.0 } else { 0.0 });
    }
    (x, y)
}

fn moments(x: &CsrMatrix) -> (Vec<f64>, Vec<f64>) {
    let (mut mu, mut sd) = (vec![0.0; P], vec![0.0; P]);
    for j in 0..P {
        let col: Vec<f64> = (0..N).map(|i| x.get(i, j).unwrap_or(0.0) as f64).collect();
        let m = col.iter().sum::<f64>() / N as f64;
        mu[j] = m;
        sd[j] = (col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / N as f64).sqrt();
    }
    (mu, sd)
}

fn check(penalty: Penalty, c: f64, intercept: f64, coef: [f64; P]) {
    let (x, y) = data();
    assert_eq!(y.iter().sum::<f64>(), 58.0, "the design must match the Python script's (58 positives)");
    let params = LogisticParams { tol: 1e-10, ..LogisticParams::from_sklearn_c(penalty, c, N) };
    let m = fit(&x, &y, &params).unwrap();
    let (mu, sd) = moments(&x);
    let std_coef: Vec<f64> = m.coef.iter().zip(&sd).map(|(b, s)| b * s).collect();
    let std_intercept = m.intercept + m.coef.iter().zip(&mu).map(|(b, m)| b * m).sum::<f64>();
    for j in 0..P {
        assert!(
            (std_coef[j] - coef[j]).abs() < 1e-4,
            "{penalty:?} C={c} coef {j}: {} vs sklearn {}",
            std_coef[j],
            coef[j]
        );
        // Exact zeros where the L1 penalty removes a feature, and for the empty column.
        if coef[j] == 0.0 && penalty != Penalty::L2 {
            assert_eq!(m.coef[j], 0.0, "{penalty:?} coef {j} should be exactly 0");
        }
    }
    assert_eq!(m.coef[4], 0.0);
    assert!((std_intercept - intercept).abs() < 1e-4, "{penalty:?} intercept {std_intercept} vs {intercept}");
}

#[test]
fn l2_matches_sklearn_lbfgs() {
    check(
        Penalty::L2,
        0.5,
        -0.14183450801930267,
        [0.6983162204, -0.4456171458, -0.9562082809, -0.1208370454, 0.0, 0.4958959178],
    );
    check(
        Penalty::L2,
        100.0,
        -0.20077517543448914,
        [0.7187300411, -0.700865626, -1.421721046, -0.81023666, 0.0, -0.1040328902],
    );
}

#[test]
fn l1_matches_sklearn_saga_with_exact_zeros() {
    check(Penalty::L1, 0.5, -0.15166122786646058, [0.652276775, 0.0, -1.483349106, 0.0, 0.0, 0.0]);
}

#[test]
fn elastic_net_matches_sklearn_saga() {
    check(
        Penalty::ElasticNet { l1_ratio: 0.5 },
        0.5,
        -0.1444962199447005,
        [0.6629882453, -0.09540666845, -1.27778863, 0.0, 0.0, 0.2053414011],
    );
}

#[test]
fn path_is_all_zero_at_lambda_max_and_warm_starts_agree_with_cold_fits() {
    let (x, y) = data();
    let params = LogisticParams { penalty: Penalty::L1, tol: 1e-10, ..LogisticParams::default() };
    let lmax = lambda_max(&x, &y, &params).unwrap();
    let lambdas: Vec<f64> = (0..8).map(|k| lmax * 0.5f64.powi(k)).collect();
    let path = fit_path(&x, &y, &params, &lambdas).unwrap();
    assert!(path[0].coef.iter().all(|&b| b == 0.0), "all zero at lambda_max: {:?}", path[0].coef);
    assert!(path[1].coef.iter().any(|&b| b != 0.0));
    let nonzero: Vec<usize> = path.iter().map(|m| m.coef.iter().filter(|&&b| b != 0.0).count()).collect();
    assert!(nonzero.windows(2).all(|w| w[0] <= w[1]), "support grows along the path: {nonzero:?}");
    let cold = fit(&x, &y, &LogisticParams { lambda: lambdas[5], ..params.clone() }).unwrap();
    for (a, b) in cold.coef.iter().zip(&path[5].coef) {
        assert!((a - b).abs() < 1e-6);
    }
}

#[test]
fn bad_inputs_are_errors_naming_the_problem() {
    let (x, mut y) = data();
    let p = LogisticParams::default();
    assert_eq!(fit(&x, &y[..10], &p).unwrap_err().to_string(), "120 feature rows but 10 labels");
    y[3] = 2.0;
    assert_eq!(fit(&x, &y, &p).unwrap_err().to_string(), "label at row 3 is 2; binary labels must be 0 or 1");
    let zeros = vec![0.0; N];
    assert!(matches!(fit(&x, &zeros, &p).unwrap_err(), Error::OneClass { rows: 120, class: 0 }));
    let mut bad = CsrMatrix::new(1);
    bad.push_row(&[(0, f32::NAN)]);
    bad.push_row(&[(0, 1.0)]);
    assert_eq!(
        fit(&bad, &[0.0, 1.0], &p).unwrap_err().to_string(),
        "feature 0 at row 0 is NaN; features must be finite"
    );
    let neg = LogisticParams { lambda: -1.0, ..p };
    assert!(matches!(fit(&x, &data().1, &neg).unwrap_err(), Error::InvalidParam { name: "lambda", .. }));
}
