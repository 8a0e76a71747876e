//! Simulated observational studies with known effects, for checking estimators' bias and coverage.

use mlhc_core::Rng;
use mlhc_frame::Design;
use mlhc_learn::logistic::sigmoid;

use crate::data::CausalData;
use crate::Result;

/// A data-generating process. Covariates `x₁…x_p` are independent standard normals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Linear and confounded: `e(x) = σ(0.5x₁ + 0.5x₂ + 0.3x₃)`,
    /// `Y = 1 + 2T + x₁ + 0.5x₂ + 0.5x₃ + 0.5x₄ + N(0, 1)`; ATE = ATT = 2. Both nuisances are linear in
    /// the covariates (the logistic and least-squares models are correctly specified).
    Linear,
    /// Non-linear, confounded, heterogeneous: `e(x) = σ(0.8 sin(2x₁) + 0.5x₂)`,
    /// `Y = 2 sin(2x₁) + x₂² + T (1 + x₃) + N(0, 1)`; ATE = 1, CATE `1 + x₃`.
    Nonlinear,
}

/// One simulated study.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// The observed data (covariates named `x1…xp`).
    pub data: CausalData,
    /// The true average treatment effect.
    pub ate: f64,
    /// The true conditional effect of every row.
    pub cate: Vec<f64>,
}

/// Simulates `n` rows with `p ≥ 4` covariates from `scenario` with `seed`.
pub fn simulate(scenario: Scenario, n: usize, p: usize, seed: u64) -> Result<Simulated> {
    let p = p.max(4);
    let mut rng = Rng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * p);
    let (mut t, mut y, mut cate) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
        let (e, base, tau) = match scenario {
            Scenario::Linear => {
                (sigmoid(0.5 * x[0] + 0.5 * x[1] + 0.3 * x[2]), 1.0 + x[0] + 0.5 * x[1] + 0.5 * x[2] + 0.5 * x[3], 2.0)
            }
            Scenario::Nonlinear => {
                let s = (2.0 * x[0]).sin();
                (sigmoid(0.8 * s + 0.5 * x[1]), 2.0 * s + x[1] * x[1], 1.0 + x[2])
            }
        };
        let ti = rng.bernoulli(e);
        y.push(base + if ti { tau } else { 0.0 } + rng.normal());
        t.push(ti);
        cate.push(tau);
        values.extend_from_slice(&x);
    }
    let names = (1..=p).map(|j| format!("x{j}")).collect();
    let data = CausalData::new(Design { names, n_rows: n, n_cols: p, values }, t, y)?;
    let ate = match scenario {
        Scenario::Linear => 2.0,
        Scenario::Nonlinear => 1.0,
    };
    Ok(Simulated { data, ate, cate })
}
