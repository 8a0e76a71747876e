//! Sensitivity to unmeasured confounding: E-values and bounds on the IP-weighted effect when the
//! propensities are off by a relative ε.

use serde::Serialize;

use crate::{Error, Result};

/// The E-value of a risk ratio (VanderWeele & Ding 2017): the smallest strength of association, on
/// the risk-ratio scale, that an unmeasured confounder would need with both treatment and outcome to
/// explain the ratio away: `RR + sqrt(RR (RR − 1))` for `RR ≥ 1`, and the same of `1/RR` below 1.
pub fn evalue_rr(rr: f64) -> f64 {
    let r = if rr < 1.0 { 1.0 / rr } else { rr };
    r + (r * (r - 1.0)).sqrt()
}

/// E-values of an effect on a continuous outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EValues {
    /// The standardized effect `d = estimate / sd(Y)`.
    pub standardized: f64,
    /// The approximate risk ratio `exp(0.91 d)`.
    pub risk_ratio: f64,
    /// The E-value of the point estimate.
    pub point: f64,
    /// The E-value of the interval limit closer to the null (1 when the interval contains 0).
    pub ci: f64,
}

/// E-values of a mean difference with interval `[lo, hi]` on an outcome with standard deviation
/// `sd`, by VanderWeele & Ding's conversion of a standardized difference `d` to `RR ≈ exp(0.91 d)`.
pub fn evalue_difference(estimate: f64, lo: f64, hi: f64, sd: f64) -> EValues {
    let rr = |v: f64| (0.91 * v / sd).exp();
    let ci = if lo <= 0.0 && hi >= 0.0 {
        1.0
    } else if estimate > 0.0 {
        evalue_rr(rr(lo))
    } else {
        evalue_rr(rr(hi))
    };
    EValues { standardized: estimate / sd, risk_ratio: rr(estimate), point: evalue_rr(rr(estimate)), ci }
}

/// Extremes of a self-normalized mean `Σ wᵢ yᵢ / Σ wᵢ` over weights `wᵢ ∈ [aᵢ, bᵢ]`: the optimum puts
/// the upper weights on the largest outcomes and the lower ones on the rest, so scanning the
/// thresholds of the sorted outcomes finds it.
fn fractional_extremes(y: &[f64], a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut idx: Vec<usize> = (0..y.len()).collect();
    idx.sort_by(|&i, &j| y[j].total_cmp(&y[i]));
    let scan = |order: &[usize]| {
        let (mut num, mut den): (f64, f64) =
            order.iter().map(|&i| (a[i] * y[i], a[i])).fold((0.0, 0.0), |s, v| (s.0 + v.0, s.1 + v.1));
        let mut best = num / den;
        let mut vals = vec![best];
        for &i in order {
            num += (b[i] - a[i]) * y[i];
            den += b[i] - a[i];
            best = num / den;
            vals.push(best);
        }
        vals
    };
    let down = scan(&idx);
    let hi = down.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    idx.reverse();
    let up = scan(&idx);
    let lo = up.iter().copied().fold(f64::INFINITY, f64::min);
    (lo, hi)
}

/// Bounds on the Hajek IP-weighted ATE when every true propensity `e*ᵢ` may differ from the fitted
/// `eᵢ` by a relative ε: `eᵢ / (1 + ε) ≤ e*ᵢ ≤ eᵢ (1 + ε)`, kept inside `[clip, 1 − clip]`.
///
/// Each arm's weighted mean is pushed to its extremes separately (the arms' weights do not interact),
/// so the bounds are `[min μ₁ − max μ₀, max μ₁ − min μ₀]`; with ε = 0 both equal the Hajek estimate.
pub fn epsilon_bounds(e: &[f64], treatment: &[bool], y: &[f64], epsilon: f64, clip: f64) -> Result<(f64, f64)> {
    if !(epsilon >= 0.0 && epsilon.is_finite()) {
        return Err(Error::InvalidParam {
            name: "epsilon", message: format!("must be finite and ≥ 0, got {epsilon}")
        });
    }
    let (lo_e, hi_e) = (clip.max(1e-12), 1.0 - clip.max(1e-12));
    let mut arms: [(Vec<f64>, Vec<f64>, Vec<f64>); 2] = Default::default();
    for i in 0..y.len() {
        let e_lo = (e[i] / (1.0 + epsilon)).clamp(lo_e, hi_e);
        let e_hi = (e[i] * (1.0 + epsilon)).clamp(lo_e, hi_e);
        let (a, b) = if treatment[i] { (1.0 / e_hi, 1.0 / e_lo) } else { (1.0 / (1.0 - e_lo), 1.0 / (1.0 - e_hi)) };
        let arm = &mut arms[treatment[i] as usize];
        arm.0.push(y[i]);
        arm.1.push(a);
        arm.2.push(b);
    }
    let (l1, h1) = fractional_extremes(&arms[1].0, &arms[1].1, &arms[1].2);
    let (l0, h0) = fractional_extremes(&arms[0].0, &arms[0].1, &arms[0].2);
    Ok((l1 - h0, h1 - l0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlhc_core::Rng;

    #[test]
    fn evalue_matches_the_published_formula() {
        // VanderWeele & Ding (2017): RR = 3.9 gives an E-value of 7.26.
        assert!((evalue_rr(3.9) - 7.263).abs() < 1e-3);
        assert_eq!(evalue_rr(0.5), evalue_rr(2.0));
        let ev = evalue_difference(1.0, -0.5, 2.0, 2.0);
        assert_eq!(ev.ci, 1.0);
        assert!((ev.risk_ratio - (0.455f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn fractional_extremes_match_brute_force() {
        let mut rng = Rng::seed_from_u64(3);
        for _ in 0..20 {
            let n = 6;
            let y: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let a: Vec<f64> = (0..n).map(|_| rng.uniform_range(0.5, 1.0)).collect();
            let b: Vec<f64> = a.iter().map(|v| v + rng.uniform_range(0.0, 2.0)).collect();
            let (lo, hi) = fractional_extremes(&y, &a, &b);
            let (mut blo, mut bhi) = (f64::INFINITY, f64::NEG_INFINITY);
            for m in 0..(1u32 << n) {
                let w: Vec<f64> = (0..n).map(|i| if m & (1 << i) != 0 { b[i] } else { a[i] }).collect();
                let v = w.iter().zip(&y).map(|(w, y)| w * y).sum::<f64>() / w.iter().sum::<f64>();
                blo = blo.min(v);
                bhi = bhi.max(v);
            }
            assert!((lo - blo).abs() < 1e-12 && (hi - bhi).abs() < 1e-12);
        }
    }

    #[test]
    fn zero_epsilon_gives_the_hajek_estimate() {
        let e = [0.2, 0.5, 0.7, 0.4, 0.6];
        let t = [true, false, true, false, true];
        let y = [1.0, 2.0, 4.0, 0.5, 3.0];
        let (lo, hi) = epsilon_bounds(&e, &t, &y, 0.0, 0.0).unwrap();
        let mu1 = (1.0 / 0.2 + 4.0 / 0.7 + 3.0 / 0.6) / (1.0 / 0.2 + 1.0 / 0.7 + 1.0 / 0.6);
        let mu0 = (2.0 / 0.5 + 0.5 / 0.6) / (1.0 / 0.5 + 1.0 / 0.6);
        assert!((lo - (mu1 - mu0)).abs() < 1e-12 && (hi - lo).abs() < 1e-12);
        let (lo2, hi2) = epsilon_bounds(&e, &t, &y, 0.2, 0.0).unwrap();
        assert!(lo2 < lo && hi2 > hi);
    }
}
