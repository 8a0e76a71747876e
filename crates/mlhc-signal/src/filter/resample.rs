//! Rational-factor resampling with a polyphase windowed-sinc filter, as SciPy's `resample_poly`.
//!
//! Resampling by `up/down` (reduced by their greatest common divisor) inserts `up − 1` zeros
//! between samples, low-pass filters at the narrower of the two Nyquist frequencies, and keeps
//! every `down`-th sample. The filter is the one `scipy.signal.resample_poly` designs by default:
//! `firwin(2·10·max(up, down) + 1, 1/max(up, down), window=('kaiser', 5.0))` scaled by `up`, with
//! the input zero-padded beyond its ends (`padtype='constant'`), so the output has
//! `ceil(n·up/down)` samples aligned with the input (no delay). Only the taps that meet a
//! non-zero upsampled sample are evaluated (polyphase), so the cost is `n·up/down` outputs times
//! about `20·max(up, down)/up` taps each.
//!
//! This method was chosen over FFT resampling because it needs no periodic extension (the ends of
//! a record are not wrapped into each other), runs in linear time for any length, and its output
//! can be compared number for number with SciPy's.

use crate::error::{Error, Result};

/// A resampler from one rate to another by a rational factor `up/down`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resampler {
    up: usize,
    down: usize,
    /// The filter taps, scaled by `up`, with SciPy's leading zero padding.
    taps: Vec<f64>,
    /// Output samples of the full convolution dropped at the start.
    skip: usize,
}

/// Largest `up` or `down` accepted (the filter has `20·max + 1` taps).
pub const MAX_FACTOR: usize = 100_000;

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The modified Bessel function of the first kind, order 0 (power series; converges for every
/// argument the Kaiser window uses).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..500 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// The low-pass FIR SciPy's `firwin(numtaps, cutoff, window=('kaiser', beta))` designs: a sinc
/// at `cutoff` (a fraction of Nyquist) times a symmetric Kaiser window, scaled to unit DC gain.
fn firwin_kaiser(numtaps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    let alpha = 0.5 * (numtaps as f64 - 1.0);
    let i0_beta = bessel_i0(beta);
    let mut h: Vec<f64> = (0..numtaps)
        .map(|n| {
            let m = n as f64 - alpha;
            let r = m / alpha;
            let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
            cutoff * sinc(cutoff * m) * w
        })
        .collect();
    let s: f64 = h.iter().sum();
    for v in &mut h {
        *v /= s;
    }
    h
}

impl Resampler {
    /// A resampler by `up/down`; both must be in `1..=MAX_FACTOR`.
    pub fn new(up: usize, down: usize) -> Result<Self> {
        for (name, v) in [("up", up), ("down", down)] {
            if v == 0 || v > MAX_FACTOR {
                return Err(Error::InvalidParameter { name, message: format!("{v} outside 1..={MAX_FACTOR}") });
            }
        }
        let g = gcd(up, down);
        let (up, down) = (up / g, down / g);
        if up == 1 && down == 1 {
            return Ok(Resampler { up, down, taps: vec![1.0], skip: 0 });
        }
        let max_rate = up.max(down);
        let half_len = 10 * max_rate;
        let mut taps = firwin_kaiser(2 * half_len + 1, 1.0 / max_rate as f64, 5.0);
        for v in &mut taps {
            *v *= up as f64;
        }
        let pre_pad = down - half_len % down;
        let mut padded = vec![0.0; pre_pad];
        padded.extend(taps);
        let skip = (half_len + pre_pad) / down;
        Ok(Resampler { up, down, taps: padded, skip })
    }

    /// A resampler from `fs_in` to `fs_out` Hz, with the ratio taken to 1/1000 Hz
    /// (`round(1000·fs_out) / round(1000·fs_in)`, reduced).
    pub fn between(fs_in: f64, fs_out: f64) -> Result<Self> {
        for (name, v) in [("fs_in", fs_in), ("fs_out", fs_out)] {
            if !(v.is_finite() && (0.001..=1e9).contains(&v)) {
                return Err(Error::InvalidParameter { name, message: format!("{v} Hz outside 0.001..=1e9") });
            }
        }
        let (a, b) = ((fs_out * 1000.0).round() as usize, (fs_in * 1000.0).round() as usize);
        let g = gcd(a, b);
        Self::new(a / g, b / g).map_err(|_| Error::InvalidParameter {
            name: "fs_out",
            message: format!("{fs_in} Hz to {fs_out} Hz needs factors {}/{} beyond {MAX_FACTOR}", a / g, b / g),
        })
    }

    /// The reduced factors `(up, down)`.
    pub fn factors(&self) -> (usize, usize) {
        (self.up, self.down)
    }

    /// The number of output samples for `n` inputs: `ceil(n·up/down)`.
    pub fn output_len(&self, n: usize) -> usize {
        (n * self.up).div_ceil(self.down)
    }

    /// Resamples `x` (finite values; zero beyond its ends).
    pub fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { index });
        }
        if self.up == 1 && self.down == 1 {
            return Ok(x.to_vec());
        }
        let (up, down, h) = (self.up, self.down, &self.taps);
        let n_out = self.output_len(x.len());
        let out = (0..n_out)
            .map(|m| {
                // Full-convolution index of this output in the upsampled stream.
                let n = (m + self.skip) * down;
                // Taps i with (n − i) a multiple of up hit input sample (n − i)/up.
                let mut i = n % up;
                let mut acc = 0.0;
                // Largest input index reachable: n/up; smallest tap then is n % up.
                let mut k = n / up;
                loop {
                    if i >= h.len() {
                        break;
                    }
                    if k < x.len() {
                        acc += h[i] * x[k];
                    }
                    if k == 0 {
                        break;
                    }
                    k -= 1;
                    i += up;
                }
                acc
            })
            .collect();
        Ok(out)
    }
}

/// Resamples `x` by `up/down` exactly as `scipy.signal.resample_poly(x, up, down)` with its
/// defaults (Kaiser window β = 5, zero padding).
pub fn resample_poly(x: &[f64], up: usize, down: usize) -> Result<Vec<f64>> {
    Resampler::new(up, down)?.apply(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_i0_known_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.2660658777520082, I0(5) = 27.239871823604442.
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_2).abs() < 1e-15);
        assert!((bessel_i0(5.0) - 27.239_871_823_604_442).abs() < 1e-12);
    }

    #[test]
    fn identity_and_lengths() {
        let r = Resampler::new(3, 3).unwrap();
        assert_eq!(r.apply(&[1.0, 2.0]).unwrap(), vec![1.0, 2.0]);
        let r = Resampler::new(25, 36).unwrap();
        assert_eq!(r.factors(), (25, 36));
        assert_eq!(r.output_len(360), 250);
        assert_eq!(r.output_len(361), 251);
        assert_eq!(Resampler::between(360.0, 250.0).unwrap().factors(), (25, 36));
        assert!(Resampler::new(0, 1).is_err());
        assert!(Resampler::between(f64::NAN, 1.0).is_err());
        assert!(r.apply(&[f64::NAN]).is_err());
        assert!(r.apply(&[]).unwrap().is_empty());
    }

    #[test]
    fn constant_is_kept_away_from_the_ends() {
        let x = vec![2.5; 2000];
        let y = resample_poly(&x, 2, 3).unwrap();
        for v in &y[100..y.len() - 100] {
            assert!((v - 2.5).abs() < 1e-3, "{v}");
        }
    }
}
