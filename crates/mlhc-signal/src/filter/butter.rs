//! Butterworth design in second-order sections, the way SciPy's `butter(..., output="sos")`
//! builds it: analog prototype poles, frequency transformation, bilinear transform with
//! pre-warping, then pairing conjugate poles into biquads.

use crate::error::{Error, Result};

/// A complex number, just enough arithmetic for filter design.
#[derive(Debug, Clone, Copy, PartialEq)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    fn new(re: f64, im: f64) -> Self {
        C { re, im }
    }
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: C) -> C {
        C::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: C) -> C {
        C::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
    fn scale(self, k: f64) -> C {
        C::new(self.re * k, self.im * k)
    }
    fn div(self, o: C) -> C {
        let d = o.re * o.re + o.im * o.im;
        C::new((self.re * o.re + self.im * o.im) / d, (self.im * o.re - self.re * o.im) / d)
    }
    fn sqrt(self) -> C {
        let r = (self.re * self.re + self.im * self.im).sqrt();
        let re = ((r + self.re) / 2.0).max(0.0).sqrt();
        let im = ((r - self.re) / 2.0).max(0.0).sqrt();
        C::new(re, if self.im < 0.0 { -im } else { im })
    }
}

/// One biquad: `[b0, b1, b2, a0, a1, a2]` with `a0 = 1`, SciPy's `sos` row layout.
pub type Section = [f64; 6];

/// Which frequencies a Butterworth filter passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// Passes frequencies below the cutoff (Hz).
    LowPass(f64),
    /// Passes frequencies above the cutoff (Hz).
    HighPass(f64),
    /// Passes frequencies between the two cutoffs (Hz, low < high).
    BandPass(f64, f64),
}

/// Designs a digital Butterworth filter of `order` (per edge) at sampling rate `fs` as
/// second-order sections; the overall response equals SciPy's `butter(order, Wn, btype, fs=fs,
/// output="sos")` (a band-pass has `2·order` poles).
pub fn butterworth(order: usize, band: Band, fs: f64) -> Result<Vec<Section>> {
    if order == 0 || order > 20 {
        return Err(Error::InvalidParameter { name: "order", message: format!("{order} is not in 1..=20") });
    }
    if !(fs.is_finite() && fs > 0.0) {
        return Err(Error::InvalidParameter { name: "fs", message: format!("{fs} is not a positive frequency") });
    }
    let nyq = fs / 2.0;
    let check = |f: f64| {
        if f.is_finite() && f > 0.0 && f < nyq {
            Ok(f)
        } else {
            Err(Error::InvalidParameter {
                name: "cutoff",
                message: format!("{f} Hz is not strictly between 0 and the Nyquist frequency {nyq} Hz"),
            })
        }
    };
    // Pre-warped analog frequencies for the bilinear transform with fs2 = 2·fs.
    let fs2 = 2.0 * fs;
    let warp = |f: f64| fs2 * (std::f64::consts::PI * f / fs).tan();
    // Analog low-pass prototype: poles on the left unit half-circle, no zeros, gain 1.
    let n = order as f64;
    let proto: Vec<C> = (0..order)
        .map(|k| {
            let m = -(n - 1.0) + 2.0 * k as f64;
            let theta = std::f64::consts::PI * m / (2.0 * n);
            C::new(-theta.cos(), -theta.sin())
        })
        .collect();
    let (zeros, poles, gain): (Vec<C>, Vec<C>, f64) = match band {
        Band::LowPass(f) => {
            let w = warp(check(f)?);
            (vec![], proto.iter().map(|p| p.scale(w)).collect(), w.powi(order as i32))
        }
        Band::HighPass(f) => {
            let w = warp(check(f)?);
            let poles: Vec<C> = proto.iter().map(|p| C::new(w, 0.0).div(*p)).collect();
            // k · prod(-z)/prod(-p) with no prototype zeros.
            let prod = proto.iter().fold(C::new(1.0, 0.0), |acc, p| acc.mul(p.scale(-1.0)));
            (vec![C::new(0.0, 0.0); order], poles, C::new(1.0, 0.0).div(prod).re)
        }
        Band::BandPass(lo, hi) => {
            let (lo, hi) = (check(lo)?, check(hi)?);
            if lo >= hi {
                return Err(Error::InvalidParameter {
                    name: "cutoff",
                    message: format!("band-pass low edge {lo} Hz is not below the high edge {hi} Hz"),
                });
            }
            let (wl, wh) = (warp(lo), warp(hi));
            let bw = wh - wl;
            let w0sq = wl * wh;
            let mut poles = Vec::with_capacity(2 * order);
            for p in &proto {
                let ps = p.scale(bw / 2.0);
                let root = ps.mul(ps).sub(C::new(w0sq, 0.0)).sqrt();
                poles.push(ps.add(root));
                poles.push(ps.sub(root));
            }
            (vec![C::new(0.0, 0.0); order], poles, bw.powi(order as i32))
        }
    };
    // Bilinear transform: s -> (fs2 + s)/(fs2 - s); zeros at infinity map to -1.
    let f2 = C::new(fs2, 0.0);
    let zd: Vec<C> = zeros.iter().map(|z| f2.add(*z).div(f2.sub(*z))).collect();
    let pd: Vec<C> = poles.iter().map(|p| f2.add(*p).div(f2.sub(*p))).collect();
    let num = zeros.iter().fold(C::new(1.0, 0.0), |acc, z| acc.mul(f2.sub(*z)));
    let den = poles.iter().fold(C::new(1.0, 0.0), |acc, p| acc.mul(f2.sub(*p)));
    let k = gain * num.div(den).re;
    let mut zd = zd;
    zd.extend(std::iter::repeat_n(C::new(-1.0, 0.0), pd.len() - zeros.len()));
    Ok(to_sections(&zd, &pd, k))
}

/// Pairs zeros and poles into biquads: conjugate poles together, real poles in pairs; every zero
/// here is real (±1 or 0 after the transform), so zeros are paired in order.
fn to_sections(zeros: &[C], poles: &[C], k: f64) -> Vec<Section> {
    let tol = 1e-10;
    let mut complex: Vec<C> = poles.iter().copied().filter(|p| p.im > tol).collect();
    complex.sort_by(|a, b| a.re.total_cmp(&b.re));
    let mut real: Vec<f64> = poles.iter().filter(|p| p.im.abs() <= tol).map(|p| p.re).collect();
    real.sort_by(f64::total_cmp);
    let mut dens: Vec<[f64; 3]> = complex.iter().map(|p| [1.0, -2.0 * p.re, p.re * p.re + p.im * p.im]).collect();
    for pair in real.chunks(2) {
        dens.push(match pair {
            [a, b] => [1.0, -(a + b), a * b],
            [a] => [1.0, -a, 0.0],
            _ => unreachable!("chunks(2) yields one or two items"),
        });
    }
    let mut zr: Vec<f64> = zeros.iter().map(|z| z.re).collect();
    zr.sort_by(f64::total_cmp);
    // Interleave zeros so each section gets one from each end (band-pass: +1 and -1 per section).
    let mut ordered = Vec::with_capacity(zr.len());
    let (mut i, mut j) = (0usize, zr.len());
    while i < j {
        j -= 1;
        ordered.push(zr[j]);
        if i < j {
            ordered.push(zr[i]);
            i += 1;
        }
    }
    let n_sec = dens.len();
    let mut out = Vec::with_capacity(n_sec);
    for (s, den) in dens.into_iter().enumerate() {
        let first_order = den[2] == 0.0;
        let num = if first_order {
            let z = ordered.get(2 * s).copied().unwrap_or(-1.0);
            [1.0, -z, 0.0]
        } else {
            let z1 = ordered.get(2 * s).copied().unwrap_or(-1.0);
            let z2 = ordered.get(2 * s + 1).copied().unwrap_or(-1.0);
            [1.0, -(z1 + z2), z1 * z2]
        };
        let g = if s == 0 { k } else { 1.0 };
        out.push([num[0] * g, num[1] * g, num[2] * g, den[0], den[1], den[2]]);
    }
    out
}

/// Gain of the cascade at frequency `f` Hz (for checks).
pub fn response_magnitude(sos: &[Section], f: f64, fs: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f / fs;
    let z1 = C::new(w.cos(), -w.sin());
    let z2 = z1.mul(z1);
    sos.iter().fold(1.0, |acc, s| {
        let num = C::new(s[0], 0.0).add(z1.scale(s[1])).add(z2.scale(s[2]));
        let den = C::new(s[3], 0.0).add(z1.scale(s[4])).add(z2.scale(s[5]));
        let h = num.div(den);
        acc * (h.re * h.re + h.im * h.im).sqrt()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_power_at_the_cutoffs() {
        for (band, edges) in [
            (Band::LowPass(40.0), vec![40.0]),
            (Band::HighPass(0.5), vec![0.5]),
            (Band::BandPass(5.0, 15.0), vec![5.0, 15.0]),
        ] {
            for order in [1, 2, 3, 4, 5] {
                let sos = butterworth(order, band, 360.0).unwrap();
                for f in &edges {
                    let g = response_magnitude(&sos, *f, 360.0);
                    assert!((g - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9, "{band:?} order {order}: {g}");
                }
            }
        }
        let sos = butterworth(3, Band::BandPass(5.0, 15.0), 360.0).unwrap();
        let peak = (500..1500).map(|i| response_magnitude(&sos, i as f64 / 100.0, 360.0)).fold(0.0, f64::max);
        assert!((peak - 1.0).abs() < 1e-6, "{peak}");
        // SciPy 1.17.1 `sosfreqz(butter(3, [5, 15], "bandpass", fs=360, output="sos"), [60], fs=360)`: 0.00372962.
        assert!((response_magnitude(&sos, 60.0, 360.0) - 0.00372962).abs() < 1e-8);
    }

    #[test]
    fn bad_parameters() {
        assert!(butterworth(2, Band::LowPass(200.0), 360.0).is_err());
        assert!(butterworth(0, Band::LowPass(20.0), 360.0).is_err());
        assert!(butterworth(2, Band::BandPass(20.0, 10.0), 360.0).is_err());
    }
}
