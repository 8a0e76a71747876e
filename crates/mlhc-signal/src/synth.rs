//! Synthetic ECG with known beat positions, for tests and benchmarks.
//!
//! Each beat is a sum of Gaussian waves (P, Q, R, S, T) placed around its R peak, in the spirit of
//! McSharry et al.'s ECGSYN (IEEE TBME 2003); the QT interval follows Bazett's √RR scaling so T
//! waves crowd the next beat at high rates, as in real tachycardia.

use mlhc_core::Rng;

use crate::error::{Error, Result};

/// Settings of a synthetic recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthEcg {
    /// Sampling rate in Hz. By default, 360.
    pub fs: f64,
    /// Length in seconds. By default, 60.
    pub seconds: f64,
    /// Mean heart rate in beats per minute. By default, 70.
    pub bpm: f64,
    /// Standard deviation of each RR interval as a fraction of the mean. By default, 0.05.
    pub rr_jitter: f64,
    /// Standard deviation of white Gaussian noise in mV (R waves are 1 mV). By default, 0.
    pub noise_sd: f64,
    /// Amplitude of sinusoidal baseline wander in mV. By default, 0.
    pub wander_mv: f64,
    /// Frequency of the baseline wander in Hz. By default, 0.3.
    pub wander_hz: f64,
}

impl Default for SynthEcg {
    fn default() -> Self {
        SynthEcg { fs: 360.0, seconds: 60.0, bpm: 70.0, rr_jitter: 0.05, noise_sd: 0.0, wander_mv: 0.0, wander_hz: 0.3 }
    }
}

/// (offset from R in units of √RR seconds or seconds, amplitude mV, width s, scales with √RR)
const WAVES: [(f64, f64, f64, bool); 5] = [
    (-0.17, 0.15, 0.025, true),
    (-0.025, -0.12, 0.008, false),
    (0.0, 1.0, 0.010, false),
    (0.028, -0.25, 0.009, false),
    (0.26, 0.30, 0.045, true),
];

impl SynthEcg {
    /// Generates the signal (mV) and the sample index of every R peak.
    pub fn generate(&self, rng: &mut Rng) -> Result<(Vec<f64>, Vec<usize>)> {
        let ok = self.fs.is_finite()
            && self.fs >= 50.0
            && self.seconds.is_finite()
            && self.seconds > 0.0
            && self.seconds * self.fs <= 1e10
            && self.bpm.is_finite()
            && (10.0..=300.0).contains(&self.bpm)
            && (0.0..0.3).contains(&self.rr_jitter)
            && self.noise_sd.is_finite()
            && self.noise_sd >= 0.0
            && self.wander_mv.is_finite()
            && self.wander_hz.is_finite();
        if !ok {
            return Err(Error::InvalidParameter { name: "synth", message: format!("{self:?} is out of range") });
        }
        let n = (self.seconds * self.fs) as usize;
        let mut x = vec![0.0; n];
        let mean_rr = 60.0 / self.bpm;
        let mut beats = Vec::new();
        let mut t = 0.5 * mean_rr;
        while t < self.seconds {
            let rr = (mean_rr * (1.0 + self.rr_jitter * rng.normal())).max(0.25 * mean_rr);
            let r = (t * self.fs).round() as usize;
            if r < n {
                beats.push(r);
            }
            let sq = rr.sqrt();
            for &(off, amp, width, scaled) in &WAVES {
                let center = t + if scaled { off * sq } else { off };
                let lo = ((center - 4.0 * width) * self.fs).floor().max(0.0) as usize;
                let hi = (((center + 4.0 * width) * self.fs).ceil().max(0.0) as usize).min(n);
                for (i, v) in x.iter_mut().enumerate().take(hi).skip(lo) {
                    let d = (i as f64 / self.fs - center) / width;
                    *v += amp * (-0.5 * d * d).exp();
                }
            }
            t += rr;
        }
        let w = 2.0 * std::f64::consts::PI * self.wander_hz / self.fs;
        for (i, v) in x.iter_mut().enumerate() {
            *v += self.wander_mv * (w * i as f64).sin() + self.noise_sd * rng.normal();
        }
        Ok((x, beats))
    }
}
