//! Bias and 95% CI coverage of the estimators on simulated studies with known effects.
#![allow(clippy::unwrap_used)]

use mlhc_causal::sim::{simulate, Scenario};
use mlhc_causal::{estimate, CausalParams, Estimand, Estimator, OutcomeModel, PropensityModel};
use mlhc_learn::gbdt::{GbdtParams, Objective};

fn linear(estimator: Estimator) -> CausalParams {
    CausalParams {
        estimator,
        propensity: PropensityModel::Logistic { lambda: 0.0 },
        outcome: OutcomeModel::Linear { lambda: 0.0 },
        bootstrap: 50,
        ..CausalParams::default()
    }
}

/// Mean error and coverage over `seeds` studies of `n` rows.
fn bias_and_coverage(scenario: Scenario, n: usize, seeds: u64, params: &CausalParams) -> (f64, f64) {
    let (mut err, mut covered) = (0.0, 0);
    for seed in 0..seeds {
        let sim = simulate(scenario, n, 4, 1000 + seed).unwrap();
        let est = estimate(&sim.data, &CausalParams { seed, ..params.clone() }).unwrap();
        err += est.estimate - sim.ate;
        if est.ci_low <= sim.ate && sim.ate <= est.ci_high {
            covered += 1;
        }
    }
    (err / seeds as f64, covered as f64 / seeds as f64)
}

#[test]
fn naive_is_biased_under_confounding() {
    let (bias, coverage) = bias_and_coverage(Scenario::Linear, 1000, 20, &linear(Estimator::Naive));
    // E[Y | T=1] − E[Y | T=0] − 2 = E[x₁ + 0.5x₂ + 0.5x₃ | T=1] − E[… | T=0] > 0.
    assert!(bias > 0.3, "{bias}");
    assert!(coverage < 0.3, "{coverage}");
}

#[test]
fn influence_function_estimators_are_unbiased_and_cover() {
    for estimator in [Estimator::Ipw, Estimator::Aipw, Estimator::DrLearner] {
        let (bias, coverage) = bias_and_coverage(Scenario::Linear, 500, 100, &linear(estimator));
        // 100 studies: the mean error's Monte Carlo sd is about 0.015; coverage within 3 sd of 95%
        // (IPW's sandwich treats the weights as known, which is conservative).
        assert!(bias.abs() < 0.06, "{estimator:?} bias {bias}");
        assert!((0.88..=1.0).contains(&coverage), "{estimator:?} coverage {coverage}");
    }
}

#[test]
fn bootstrap_estimators_are_unbiased_and_cover() {
    for estimator in [Estimator::Standardization, Estimator::TLearner, Estimator::XLearner] {
        let (bias, coverage) = bias_and_coverage(Scenario::Linear, 400, 40, &linear(estimator));
        assert!(bias.abs() < 0.06, "{estimator:?} bias {bias}");
        assert!((0.85..=1.0).contains(&coverage), "{estimator:?} coverage {coverage}");
    }
    // ATT matching (with replacement, caliper 0.2 sd): the Abadie–Imbens interval.
    let mut m = linear(Estimator::Matching);
    m.estimand = Estimand::Att;
    m.matching.caliper = Some(0.2);
    let (bias, coverage) = bias_and_coverage(Scenario::Linear, 1000, 20, &m);
    assert!(bias.abs() < 0.1, "matching bias {bias}");
    assert!((0.8..=1.0).contains(&coverage), "matching coverage {coverage}");
    // ATE with 4 matches: matching bias is O(1/√n) with one matching variable, and the Abadie–Imbens
    // variance (score treated as known) is conservative for the ATE (Abadie & Imbens 2016).
    let mut m = linear(Estimator::Matching);
    m.matching.matches = 4;
    let (bias, coverage) = bias_and_coverage(Scenario::Linear, 500, 100, &m);
    assert!(bias.abs() < 0.1, "matching (M = 4) bias {bias}");
    assert!((0.88..=1.0).contains(&coverage), "matching (M = 4) coverage {coverage}");
}

#[test]
fn boosted_nuisances_handle_the_nonlinear_scenario() {
    let trees = GbdtParams { num_trees: 60, learning_rate: 0.1, num_leaves: 8, ..GbdtParams::default() };
    let params = CausalParams {
        estimator: Estimator::DrLearner,
        propensity: PropensityModel::Gbdt(GbdtParams { objective: Objective::Binary, ..trees.clone() }),
        outcome: OutcomeModel::Gbdt(GbdtParams { objective: Objective::Regression, ..trees }),
        folds: 3,
        ..CausalParams::default()
    };
    let sim = simulate(Scenario::Nonlinear, 3000, 4, 7).unwrap();
    let naive = estimate(&sim.data, &CausalParams { estimator: Estimator::Naive, ..params.clone() }).unwrap();
    let dr = estimate(&sim.data, &params).unwrap();
    assert!((naive.estimate - sim.ate).abs() > 0.5, "naive {}", naive.estimate);
    assert!((dr.estimate - sim.ate).abs() < 0.15 && dr.ci_low < sim.ate && sim.ate < dr.ci_high, "{dr:?}");
    // The DR-learner's CATE follows 1 + x₃: correlation above 0.8.
    let cate = dr.cate.unwrap();
    let corr = correlation(&cate, &sim.cate);
    assert!(corr > 0.8, "{corr}");
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
