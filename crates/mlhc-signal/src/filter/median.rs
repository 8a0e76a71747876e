//! Running medians and median baseline removal.

use crate::error::{Error, Result};

/// Centered running median with an odd window of `width` samples; near the ends the window
/// shrinks to the samples that exist (no padding). O(n·width) with a sorted window, which is
/// fast for the few-hundred-sample windows baseline removal uses.
pub fn median_filter(x: &[f64], width: usize) -> Result<Vec<f64>> {
    if width == 0 || width % 2 == 0 {
        return Err(Error::InvalidParameter {
            name: "width",
            message: format!("{width} is not a positive odd number"),
        });
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    let half = width / 2;
    let n = x.len();
    let mut window: Vec<f64> = Vec::with_capacity(width);
    let mut out = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0usize, 0usize); // window holds x[lo..hi]
    for i in 0..n {
        let want_lo = i.saturating_sub(half);
        let want_hi = (i + half + 1).min(n);
        while hi < want_hi {
            let v = x[hi];
            let at = window.partition_point(|w| *w < v);
            window.insert(at, v);
            hi += 1;
        }
        while lo < want_lo {
            let v = x[lo];
            let at = window.partition_point(|w| *w < v);
            window.remove(at);
            lo += 1;
        }
        let m = window.len();
        out.push(if m % 2 == 1 { window[m / 2] } else { 0.5 * (window[m / 2 - 1] + window[m / 2]) });
    }
    Ok(out)
}

/// Removes baseline wander by subtracting two cascaded running medians of 200 ms and 600 ms
/// (de Chazal et al., IEEE TBME 2004), which drop the QRS complex and then the P and T waves.
pub fn median_baseline(x: &[f64], fs: f64) -> Result<Vec<f64>> {
    if !(fs.is_finite() && fs > 0.0) {
        return Err(Error::InvalidParameter { name: "fs", message: format!("{fs} is not a positive frequency") });
    }
    let odd = |sec: f64| ((sec * fs).round() as usize) | 1;
    let b = median_filter(&median_filter(x, odd(0.2))?, odd(0.6))?;
    Ok(x.iter().zip(b).map(|(v, b)| v - b).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(x: &[f64], width: usize) -> Vec<f64> {
        let half = width / 2;
        (0..x.len())
            .map(|i| {
                let mut w: Vec<f64> = x[i.saturating_sub(half)..(i + half + 1).min(x.len())].to_vec();
                w.sort_by(f64::total_cmp);
                let m = w.len();
                if m % 2 == 1 {
                    w[m / 2]
                } else {
                    0.5 * (w[m / 2 - 1] + w[m / 2])
                }
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]
        #[test]
        fn matches_naive(x in proptest::collection::vec(-100i32..100, 0..200), half in 0usize..12) {
            let x: Vec<f64> = x.into_iter().map(f64::from).collect();
            prop_assert_eq!(median_filter(&x, 2 * half + 1).unwrap(), naive(&x, 2 * half + 1));
        }
    }

    #[test]
    fn removes_a_linear_drift_from_a_spiky_signal() {
        let x: Vec<f64> = (0..3600).map(|i| 0.001 * i as f64 + if i % 360 == 0 { 1.0 } else { 0.0 }).collect();
        let y = median_baseline(&x, 360.0).unwrap();
        // A spike in the window moves the median by one ramp step (0.001).
        let bad: Vec<_> = (1000..2600).filter(|&i| !(y[i].abs() < 1.5e-3 || (y[i] - 1.0).abs() < 1.5e-3)).collect();
        assert!(bad.is_empty(), "{:?}", &bad[..bad.len().min(5)].iter().map(|&i| (i, y[i])).collect::<Vec<_>>());
        assert!((y[1080] - 1.0).abs() < 1.5e-3);
    }
}
