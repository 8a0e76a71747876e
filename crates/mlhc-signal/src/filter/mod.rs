//! Filters on slices: Butterworth in second-order sections run forward or forward-backward
//! (zero phase), a notch, median baseline removal, and polyphase resampling.
//!
//! `filtfilt` matches SciPy's `sosfiltfilt`: odd extension of `3·(2·sections + 1 − trivial)`
//! samples at each end, and each pass started from the steady state of a step of the first
//! sample (`sosfilt_zi`), so a constant input comes out unchanged.

pub mod butter;
mod lanes;
pub mod median;
pub mod resample;

pub use butter::{butterworth, Band, Section};
pub(crate) use lanes::{filtfilt_in_place, largest_magnitude, InPlace};
pub use median::{median_baseline, median_filter};
pub use resample::{resample_poly, Resampler};

use crate::error::{Error, Result};

/// Runs the cascade forward over `x` in place, starting from states `zi` (two per section,
/// transposed direct form II); the states are left at their final values.
pub fn sosfilt_in_place(sos: &[Section], x: &mut [f64], zi: &mut [[f64; 2]]) {
    run_sections::<false>(sos, x, zi);
}

/// Runs the cascade from the last sample of `x` to the first (the time-reversed pass of
/// `filtfilt`), in place.
fn sosfilt_reversed_in_place(sos: &[Section], x: &mut [f64], zi: &mut [[f64; 2]]) {
    run_sections::<true>(sos, x, zi);
}

fn run_sections<const REV: bool>(sos: &[Section], x: &mut [f64], zi: &mut [[f64; 2]]) {
    // All sections advance together sample by sample: each section's recursion is a chain of
    // dependent multiply-adds, and interleaving the chains lets them overlap in the CPU instead
    // of paying each chain's latency in a separate pass.
    let mut rest = (sos, zi);
    while !rest.0.is_empty() {
        let take = rest.0.len().min(3);
        let (s_now, s_later) = rest.0.split_at(take);
        let (z_now, z_later) = std::mem::take(&mut rest.1).split_at_mut(take);
        match take {
            1 => cascade::<1, REV>(s_now, z_now, x),
            2 => cascade::<2, REV>(s_now, z_now, x),
            _ => cascade::<3, REV>(s_now, z_now, x),
        }
        rest = (s_later, z_later);
    }
}

/// `N` sections in one pass (transposed direct form II), over `x` forward or, with `REV`, from
/// its last sample to its first.
#[inline]
fn cascade<const N: usize, const REV: bool>(sos: &[Section], z: &mut [[f64; 2]], x: &mut [f64]) {
    let mut st = [[0.0f64; 2]; N];
    let mut co = [[0.0f64; 5]; N];
    for k in 0..N {
        st[k] = z[k];
        let [b0, b1, b2, _, a1, a2] = sos[k];
        co[k] = [b0, b1, b2, a1, a2];
    }
    let mut step = |v: &mut f64| {
        let mut xi = *v;
        for k in 0..N {
            let [b0, b1, b2, a1, a2] = co[k];
            let y = b0 * xi + st[k][0];
            st[k][0] = b1 * xi - a1 * y + st[k][1];
            st[k][1] = b2 * xi - a2 * y;
            xi = y;
        }
        *v = xi;
    };
    if REV {
        x.iter_mut().rev().for_each(&mut step);
    } else {
        x.iter_mut().for_each(&mut step);
    }
    z[..N].copy_from_slice(&st);
}

/// Causal filtering from rest (zero initial state).
pub fn sosfilt(sos: &[Section], x: &[f64]) -> Vec<f64> {
    let mut y = x.to_vec();
    let mut zi = vec![[0.0; 2]; sos.len()];
    sosfilt_in_place(sos, &mut y, &mut zi);
    y
}

/// Steady-state section states for a unit step (SciPy's `sosfilt_zi`).
pub fn sosfilt_zi(sos: &[Section]) -> Vec<[f64; 2]> {
    let mut scale = 1.0;
    sos.iter()
        .map(|s| {
            let [b0, b1, b2, _, a1, a2] = *s;
            let g = (b0 + b1 + b2) / (1.0 + a1 + a2);
            let z = [scale * (g - b0), scale * (b2 - a2 * g)];
            scale *= g;
            z
        })
        .collect()
}

fn check_finite(x: &[f64]) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Zero-phase forward-backward filtering (SciPy's `sosfiltfilt` with its default padding).
pub fn filtfilt(sos: &[Section], x: &[f64]) -> Result<Vec<f64>> {
    check_finite(x)?;
    filtfilt_finite(sos, x)
}

/// [`filtfilt`] for input already known to be finite.
pub(crate) fn filtfilt_finite(sos: &[Section], x: &[f64]) -> Result<Vec<f64>> {
    let n = x.len();
    let (mut ext, pad) = filtfilt_padded(sos, x)?;
    ext.truncate(pad + n);
    ext.drain(..pad);
    Ok(ext)
}

/// [`filtfilt_finite`] without trimming the padding: the filtered signal is `ext[pad..pad + n]`
/// of the returned `(ext, pad)`, which spares a copy of the whole signal.
pub(crate) fn filtfilt_padded(sos: &[Section], x: &[f64]) -> Result<(Vec<f64>, usize)> {
    let pad = padlen(sos);
    if x.len() <= pad {
        return Err(Error::TooFew { what: "filtfilt", needed: pad + 1, got: x.len() });
    }
    let n = x.len();
    let mut ext = Vec::with_capacity(n + 2 * pad);
    ext.extend((1..=pad).rev().map(|i| 2.0 * x[0] - x[i]));
    ext.extend_from_slice(x);
    ext.extend((1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
    let zi = sosfilt_zi(sos);
    let mut z: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * ext[0], z[1] * ext[0]]).collect();
    sosfilt_in_place(sos, &mut ext, &mut z);
    let last = ext[ext.len() - 1];
    let mut z: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * last, z[1] * last]).collect();
    sosfilt_reversed_in_place(sos, &mut ext, &mut z);
    Ok((ext, pad))
}

/// Samples of odd extension at each end (SciPy's default `padlen` for `sosfiltfilt`).
fn padlen(sos: &[Section]) -> usize {
    let trivial = sos.iter().filter(|s| s[2] == 0.0).count().min(sos.iter().filter(|s| s[5] == 0.0).count());
    3 * (2 * sos.len() + 1 - trivial)
}

/// A second-order IIR notch at `f0` Hz with quality factor `q` (SciPy's `iirnotch`), as one section.
pub fn notch(f0: f64, q: f64, fs: f64) -> Result<Section> {
    if !(f0.is_finite() && f0 > 0.0 && f0 < fs / 2.0) {
        return Err(Error::InvalidParameter { name: "f0", message: format!("{f0} Hz is not between 0 and fs/2") });
    }
    if !(q.is_finite() && q > 0.0) {
        return Err(Error::InvalidParameter { name: "q", message: format!("{q} is not positive") });
    }
    let w0 = 2.0 * std::f64::consts::PI * f0 / fs;
    let bw = w0 / q;
    let beta = (bw / 2.0).tan();
    let gain = 1.0 / (1.0 + beta);
    let c = w0.cos();
    Ok([gain, -2.0 * gain * c, gain, 1.0, -2.0 * gain * c, 2.0 * gain - 1.0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_passes_unchanged_through_low_pass() {
        let sos = butterworth(4, Band::LowPass(30.0), 360.0).unwrap();
        let y = filtfilt(&sos, &[2.5; 500]).unwrap();
        assert!(y.iter().all(|v| (v - 2.5).abs() < 1e-9));
    }

    #[test]
    fn filtfilt_matches_scipy() {
        // SciPy 1.17.1: i = arange(400); x = sin(0.1 i) + 0.5 sin(1.3 i) + (i % 7) / 7;
        // sosfiltfilt(butter(...), x) and filtfilt(*iirnotch(50, 30, fs=360), x) at i = 0, 1, 57, 200, 399.
        let x: Vec<f64> = (0..400)
            .map(|i| {
                let t = i as f64;
                (0.1 * t).sin() + 0.5 * (1.3 * t).sin() + (i % 7) as f64 / 7.0
            })
            .collect();
        let cases: [(Vec<Section>, [f64; 5]); 4] = [
            (
                butterworth(3, Band::BandPass(5.0, 15.0), 360.0).unwrap(),
                [
                    -0.11458300172525882,
                    0.007147346262846854,
                    -0.4346181242584654,
                    0.7873120772800088,
                    -0.07751889172032672,
                ],
            ),
            (
                butterworth(5, Band::HighPass(0.5), 360.0).unwrap(),
                [
                    0.14722273878297765,
                    0.8664366066336125,
                    -1.0178120649780664,
                    1.4184679798906035,
                    -0.02778165266361904,
                ],
            ),
            (
                butterworth(3, Band::LowPass(40.0), 360.0).unwrap(),
                [
                    -0.000776592066786333,
                    0.29254317167505695,
                    -0.17831891112464435,
                    1.3859116606582305,
                    0.6418600520360918,
                ],
            ),
            (
                vec![notch(50.0, 30.0, 360.0).unwrap()],
                [0.0830561839931865, 0.7881448769853154, -0.7740414226414403, 1.7720008249257846, 0.5714532252249704],
            ),
        ];
        for (sos, want) in cases {
            let y = filtfilt(&sos, &x).unwrap();
            for (k, w) in [0, 1, 57, 200, 399].into_iter().zip(want) {
                assert!((y[k] - w).abs() < 1e-9, "{k}: {} vs {w}", y[k]);
            }
        }
    }

    #[test]
    fn notch_removes_its_frequency() {
        let s = notch(60.0, 30.0, 360.0).unwrap();
        assert!(butter::response_magnitude(&[s], 60.0, 360.0) < 1e-9);
        assert!((butter::response_magnitude(&[s], 10.0, 360.0) - 1.0).abs() < 1e-2);
    }

    #[test]
    fn nan_and_short_inputs_are_errors() {
        let sos = butterworth(2, Band::HighPass(1.0), 100.0).unwrap();
        assert!(matches!(filtfilt(&sos, &[0.0, f64::NAN, 1.0]), Err(Error::NonFinite { index: 1 })));
        assert!(matches!(filtfilt(&sos, &[0.0; 5]), Err(Error::TooFew { .. })));
    }
}
